/**
 * The API endpoint of an AWS cluster: a network load balancer (when the spec asks for one) with
 * a TCP listener on 443 forwarding to the API servers' 6443 — clients use https://api.<cluster>/
 * as with kops, and the machines run kube-apiserver on its default port — and, with a dnsZone,
 * alias records of the API's public and internal names to the load balancer. With
 * `topology.dns.type: None` there are no records (and no zone to look up): machines and
 * kubeconfigs use the load balancer's own DNS name.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import { apiRecordNames, usesLoadBalancerName } from '../../../src/pki/api-endpoint.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { elbName } from '../names.js';
import { dnsRecordTask } from '../tasks/dns-record.js';
import { hostedZoneTask as zoneTask } from '../tasks/hosted-zone.js';
import { listenerName, listenerTask } from '../tasks/listener.js';
import { loadBalancerTask } from '../tasks/load-balancer.js';
import { targetGroupTask } from '../tasks/target-group.js';
import { API_LISTENER_PORT, API_SERVER_PORT, apiName } from './names.js';
import { named } from './tags.js';

export interface Api {
  readonly tasks: Task[];
  /** The target group the control-plane groups register with. */
  readonly targetGroup: TaskId | undefined;
}

export function hostedZoneTask(spec: SettledSpec): Task | undefined {
  const zone = spec.cluster.spec.dnsZone;
  return zone && !usesLoadBalancerName(spec) ? zoneTask(zone, {}, { lifecycle: 'ExistsAndValidates' }) : undefined;
}

export function apiTasks(spec: SettledSpec, vpc: TaskId, subnets: ReadonlyMap<string, TaskId>, hostedZone: Task | undefined): Api {
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
  const tg = targetGroupTask(
    name,
    {
      targetGroupName: elbName('tcp', cluster),
      protocol: 'TCP',
      port: API_SERVER_PORT,
      vpcId: ref(vpc),
      targetType: 'instance',
      healthCheck: { protocol: 'TCP', intervalSeconds: 10, healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      tags: named(spec, name),
    },
    { dependsOn: [vpc] },
  );
  const lb = loadBalancerTask(
    name,
    {
      loadBalancerName: elbName('api', cluster),
      type: 'network',
      scheme: lbSpec.type === 'Internal' ? 'internal' : 'internet-facing',
      subnetIds: lbSubnets.map((s) => ref(s)),
      tags: named(spec, name),
    },
    { dependsOn: lbSubnets },
  );
  const listener = listenerTask(
    listenerName(API_LISTENER_PORT, name),
    { loadBalancerArn: ref(idOf(lb)), port: API_LISTENER_PORT, protocol: 'TCP', targetGroupArn: ref(idOf(tg)) },
    { dependsOn: [idOf(lb), idOf(tg)] },
  );
  const tasks = [tg, lb, listener];
  if (hostedZone) {
    const zone = idOf(hostedZone);
    const records = apiRecordNames(spec).map((record) =>
      dnsRecordTask(
        record,
        {
          hostedZoneId: ref(zone),
          name: record,
          type: 'A',
          aliasTarget: { dnsName: ref(idOf(lb), 'dnsName'), hostedZoneId: ref(idOf(lb), 'canonicalHostedZoneId'), evaluateTargetHealth: false },
        },
        { dependsOn: [zone, idOf(lb)] },
      ),
    );
    tasks.push(hostedZone, ...records);
  }
  return { tasks, targetGroup: idOf(tg) };
}
