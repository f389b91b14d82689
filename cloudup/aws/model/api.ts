/**
 * The API endpoint of an AWS cluster: a network load balancer (when the spec asks for one) with
 * a TCP listener on 443 forwarding to the API servers' 6443 — clients use https://api.<cluster>/
 * as with kops, and the machines run kube-apiserver on its default port — and, with a dnsZone,
 * an alias record of the API name to the load balancer.
 */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { elbName } from '../names.js';
import { listenerName } from '../tasks/listener.js';
import { API_LISTENER_PORT, API_SERVER_PORT, apiName } from './names.js';
import { named } from './tags.js';

export interface Api {
  readonly tasks: Task[];
  /** The target group the control-plane groups register with. */
  readonly targetGroup: TaskId | undefined;
}

export function hostedZoneTask(spec: CompletedSpec): Task | undefined {
  const zone = spec.cluster.spec.dnsZone;
  return zone ? { kind: 'HostedZone', name: zone, lifecycle: 'ExistsAndValidates', dependsOn: [], desired: {} } : undefined;
}

export function apiTasks(spec: CompletedSpec, vpc: TaskId, subnets: ReadonlyMap<string, TaskId>, hostedZone: Task | undefined): Api {
  const c = spec.cluster.spec;
  const cluster = spec.cluster.metadata.name;
  const lbSpec = c.api.loadBalancer;
  if (!lbSpec) return { tasks: hostedZone ? [hostedZone] : [], targetGroup: undefined };

  // A public load balancer sits in the Utility subnets (or the Public ones), an internal one
  // beside the control plane; one subnet per zone, in zone order.
  const planeSubnets = new Set(spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane').flatMap((ig) => ig.spec.subnets));
  const utility = c.subnets.filter((s) => s.type === 'Utility');
  const candidates = lbSpec.type === 'Internal' ? c.subnets.filter((s) => planeSubnets.has(s.name)) : utility.length > 0 ? utility : c.subnets.filter((s) => s.type === 'Public');
  const byZone = new Map<string, TaskId>();
  for (const s of [...candidates].sort((a, b) => (a.zone ?? '').localeCompare(b.zone ?? ''))) if (!byZone.has(s.zone ?? '')) byZone.set(s.zone ?? '', subnets.get(s.name)!);
  const lbSubnets = [...byZone.values()];

  const name = apiName(cluster);
  const tg: Task = {
    kind: 'TargetGroup',
    name,
    lifecycle: 'Sync',
    dependsOn: [vpc],
    desired: {
      targetGroupName: elbName('tcp', cluster),
      protocol: 'TCP',
      port: API_SERVER_PORT,
      vpcId: ref(vpc),
      targetType: 'instance',
      healthCheck: { protocol: 'TCP', intervalSeconds: 10, healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      tags: named(spec, name),
    },
  };
  const lb: Task = {
    kind: 'LoadBalancer',
    name,
    lifecycle: 'Sync',
    dependsOn: lbSubnets,
    desired: {
      loadBalancerName: elbName('api', cluster),
      type: 'network',
      scheme: lbSpec.type === 'Internal' ? 'internal' : 'internet-facing',
      subnetIds: lbSubnets.map((s) => ref(s)),
      tags: named(spec, name),
    },
  };
  const listener: Task = {
    kind: 'Listener',
    name: listenerName(API_LISTENER_PORT, name),
    lifecycle: 'Sync',
    dependsOn: [idOf(lb), idOf(tg)],
    desired: { loadBalancerArn: ref(idOf(lb)), port: API_LISTENER_PORT, protocol: 'TCP', targetGroupArn: ref(idOf(tg)) },
  };
  const tasks = [tg, lb, listener];
  if (hostedZone) {
    const zone = idOf(hostedZone);
    tasks.push(hostedZone, {
      kind: 'DNSRecord',
      name: c.api.publicName,
      lifecycle: 'Sync',
      dependsOn: [zone, idOf(lb)],
      desired: {
        hostedZoneId: ref(zone),
        name: c.api.publicName,
        type: 'A',
        aliasTarget: { dnsName: ref(idOf(lb), 'dnsName'), hostedZoneId: ref(idOf(lb), 'canonicalHostedZoneId'), evaluateTargetHealth: false },
      },
    });
  }
  return { tasks, targetGroup: idOf(tg) };
}
