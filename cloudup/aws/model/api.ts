/**
 * The API endpoint of an AWS cluster: a network load balancer (when the spec asks for one) with
 * a TCP listener on 443 forwarding to the API servers' 6443 — clients use https://api.<cluster>/
 * as with kops, and the machines run kube-apiserver on its default port. With an sslCertificate,
 * as kops does, 443 is a TLS listener that ends TLS with that certificate and opens TLS again to
 * the API servers (a TLS target group), and the TCP listener moves to 8443 for the clients that
 * authenticate with client certificates (machines, hoist's kubeconfigs). With a dnsZone,
 * alias records of the API's public and internal names to the load balancer. With
 * `topology.dns.type: None` there are no records (and no zone to look up): machines and
 * kubeconfigs use the load balancer's own DNS name. In an IPv6 cluster, as kops, the load
 * balancer is dual-stack and each name gets an AAAA alias beside its A alias.
 */

import { isIpv6Cluster } from '../../../src/api/ipv6.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import { apiRecordNames, usesLoadBalancerName } from '../../../src/pki/api-endpoint.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { elbName } from '../names.js';
import { dnsRecordName, dnsRecordTask } from '../tasks/dns-record.js';
import { hostedZoneTask as zoneTask } from '../tasks/hosted-zone.js';
import { listenerName, listenerTask } from '../tasks/listener.js';
import type { ListenerFields } from '../tasks/listener.js';
import { loadBalancerTask } from '../tasks/load-balancer.js';
import type { SubnetAddress } from '../tasks/load-balancer.js';
import { targetGroupTask } from '../tasks/target-group.js';
import { apiSecurityTasks } from './api-security.js';
import { API_LISTENER_PORT, API_PASSTHROUGH_PORT, API_SERVER_PORT, apiName, apiTlsTargetGroupName } from './names.js';
import { named } from './tags.js';

export interface Api {
  readonly tasks: Task[];
  /** The target groups the control-plane groups register with. */
  readonly targetGroups: readonly TaskId[];
}

export function hostedZoneTask(spec: SettledSpec): Task | undefined {
  const zone = spec.cluster.spec.dnsZone;
  return zone && !usesLoadBalancerName(spec) ? zoneTask(zone, {}, { lifecycle: 'ExistsAndValidates' }) : undefined;
}

interface Placed {
  readonly name: string;
  readonly address: SubnetAddress;
}

/**
 * The subnets of the API load balancer, one per zone, in zone order: the spec's, with their
 * addresses; or a public load balancer in the Utility subnets (or the Public ones), an internal
 * one beside the control plane. The access log's `interval` is a Classic load balancer's: a
 * network one writes every 5 minutes, so it is not sent.
 */
function placement(spec: SettledSpec): Placed[] {
  const c = spec.cluster.spec;
  const lbSpec = c.api.loadBalancer!;
  const zoneOf = (name: string) => c.subnets.find((s) => s.name === name)?.zone ?? '';
  const byZone = (a: Placed, b: Placed) => zoneOf(a.name).localeCompare(zoneOf(b.name));
  if (lbSpec.subnets) {
    return lbSpec.subnets
      .map((s) => ({ name: s.name, address: { ...(s.privateIPv4Address === undefined ? {} : { privateIPv4Address: s.privateIPv4Address }), ...(s.allocationId === undefined ? {} : { allocationId: s.allocationId }) } }))
      .sort(byZone);
  }
  const planeSubnets = new Set(spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane').flatMap((ig) => ig.spec.subnets));
  const utility = c.subnets.filter((s) => s.type === 'Utility');
  const candidates = lbSpec.type === 'Internal' ? c.subnets.filter((s) => planeSubnets.has(s.name)) : utility.length > 0 ? utility : c.subnets.filter((s) => s.type === 'Public');
  const chosen = new Map<string, Placed>();
  for (const s of [...candidates].map((x) => ({ name: x.name, address: {} })).sort(byZone)) if (!chosen.has(zoneOf(s.name))) chosen.set(zoneOf(s.name), s);
  return [...chosen.values()];
}

/**
 * Whether the API load balancer is dual-stack: in an IPv6 cluster, when each of its subnets has
 * an IPv6 range (ELB refuses dual-stack otherwise). Every subnet hoist makes there has one; a
 * shared subnet (`id`) without `ipv6CIDR` in the spec keeps the load balancer IPv4 only.
 */
function isDualStack(spec: SettledSpec, placed: readonly Placed[]): boolean {
  const c = spec.cluster.spec;
  return isIpv6Cluster(c) && placed.every((p) => c.subnets.find((s) => s.name === p.name)?.ipv6CIDR !== undefined);
}

export function apiTasks(spec: SettledSpec, vpc: TaskId, subnets: ReadonlyMap<string, TaskId>, hostedZone: Task | undefined): Api {
  const c = spec.cluster.spec;
  const cluster = spec.cluster.metadata.name;
  const lbSpec = c.api.loadBalancer;
  if (!lbSpec) return { tasks: hostedZone ? [hostedZone] : [], targetGroups: [] };

  const placed = placement(spec);
  const dualStack = isDualStack(spec, placed);
  const lbSubnets = placed.map((p) => subnets.get(p.name)!);

  const name = apiName(cluster);
  const targetGroup = (task: string, prefix: string, protocol: 'TCP' | 'TLS') =>
    targetGroupTask(
      task,
      {
        targetGroupName: elbName(prefix, cluster),
        protocol,
        port: API_SERVER_PORT,
        vpcId: ref(vpc),
        targetType: 'instance',
        healthCheck: { protocol: 'TCP', intervalSeconds: 10, healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
        tags: named(spec, task),
      },
      { dependsOn: [vpc] },
    );
  // The groups' ARNs sort by name (tcp-… before tls-…), the order an Auto Scaling group's are read in.
  const tcp = targetGroup(name, 'tcp', 'TCP');
  const tls = lbSpec.sslCertificate === undefined ? undefined : targetGroup(apiTlsTargetGroupName(cluster), 'tls', 'TLS');
  const ports = tls ? [API_LISTENER_PORT, API_PASSTHROUGH_PORT] : [API_LISTENER_PORT];
  const security = apiSecurityTasks(spec, vpc, ports);
  const lb = loadBalancerTask(
    name,
    {
      loadBalancerName: elbName('api', cluster),
      type: 'network',
      scheme: lbSpec.type === 'Internal' ? 'internal' : 'internet-facing',
      subnetIds: lbSubnets.map((s) => ref(s)),
      securityGroupIds: security.groupIds,
      // kops's default, and a network load balancer's.
      crossZoneLoadBalancing: lbSpec.crossZoneLoadBalancing ?? false,
      // With the spec's subnets, their addresses are compared (an Elastic IP taken off replaces it too).
      ...(lbSpec.subnets ? { subnetAddresses: placed.map((p) => p.address) } : {}),
      accessLog: lbSpec.accessLog
        ? { enabled: true, bucket: lbSpec.accessLog.bucket, prefix: lbSpec.accessLog.bucketPrefix ?? '' }
        : { enabled: false },
      // Unset in an IPv4 cluster: its load balancer is left as it is (ipv4 when hoist made it).
      ...(dualStack ? { ipAddressType: 'dualstack' as const } : {}),
      tags: named(spec, name),
    },
    { dependsOn: [...lbSubnets, ...(security.group ? [security.group] : [])] },
  );
  const listener = (port: number, target: Task, tlsFields: Pick<ListenerFields, 'certificateArn' | 'sslPolicy'> | undefined) =>
    listenerTask(
      listenerName(port, name),
      { loadBalancerArn: ref(idOf(lb)), port, protocol: tlsFields ? 'TLS' : 'TCP', targetGroupArn: ref(idOf(target)), ...tlsFields },
      { dependsOn: [idOf(lb), idOf(target)] },
    );
  const listeners = tls
    ? [
        listener(API_LISTENER_PORT, tls, { certificateArn: lbSpec.sslCertificate!, ...(lbSpec.sslPolicy === undefined ? {} : { sslPolicy: lbSpec.sslPolicy }) }),
        listener(API_PASSTHROUGH_PORT, tcp, undefined),
      ]
    : [listener(API_LISTENER_PORT, tcp, undefined)];
  const tasks = [tcp, ...(tls ? [tls] : []), ...security.tasks, lb, ...listeners];
  if (hostedZone) {
    const zone = idOf(hostedZone);
    const types = dualStack ? (['A', 'AAAA'] as const) : (['A'] as const);
    const records = apiRecordNames(spec).flatMap((record) => types.map((type) =>
      dnsRecordTask(
        dnsRecordName(record, type),
        {
          hostedZoneId: ref(zone),
          name: record,
          type,
          aliasTarget: { dnsName: ref(idOf(lb), 'dnsName'), hostedZoneId: ref(idOf(lb), 'canonicalHostedZoneId'), evaluateTargetHealth: false },
        },
        { dependsOn: [zone, idOf(lb)] },
      ),
    ));
    tasks.push(hostedZone, ...records);
  }
  return { tasks, targetGroups: [idOf(tcp), ...(tls ? [idOf(tls)] : [])] };
}
