/**
 * The network of a GCE cluster: a custom-mode VPC (or an existing one, by name), one subnetwork
 * per spec subnet (one per region, kops-style), firewall rules aimed at network tags, and for
 * the private subnets it makes a Cloud Router with a Cloud NAT: their machines have no external
 * address, and the NAT is their way out (to the state store, images and packages) unless a
 * subnet's egress is External (egress-rules.ts).
 */

import { nodePortRange } from '../../../src/api/defaults.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { API_PORT, firewallName, gceName, networkName, networkTag, subnetworkName } from '../names.js';
import { firewallTask } from '../tasks/firewall.js';
import { natsThroughCloudNat } from '../egress-rules.js';
import { routerTask } from '../tasks/router.js';
import { API_HEALTH_CHECK_PORT, HEALTH_CHECK_SOURCE_RANGES, INTERNAL_HEALTH_CHECK_SOURCE_RANGES, internalProbe, isInternalApi } from './api.js';
import type { FirewallAllowed } from '../tasks/firewall.js';
import { networkTask } from '../tasks/network.js';
import { subnetworkTask } from '../tasks/subnetwork.js';

export interface NetworkTasks {
  readonly tasks: Task[];
  readonly network: TaskId;
  /** Subnetwork task by spec subnet name. */
  readonly subnetworks: ReadonlyMap<string, TaskId>;
}

export function networkTasks(spec: SettledSpec): NetworkTasks {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const network =
    c.spec.networkID !== undefined
      ? networkTask(c.spec.networkID, {}, { lifecycle: 'ExistsAndValidates' })
      : networkTask(networkName(cluster), { autoCreateSubnetworks: false, routingMode: 'REGIONAL' });
  const net = idOf(network);
  // Validation puts every subnet in the cluster's region (one subnetwork per region, kops-style).
  const region = c.spec.region;
  const subnetworks = c.spec.subnets.map((s) =>
    s.id !== undefined
      ? subnetworkTask(s.id, { region }, { lifecycle: 'ExistsAndValidates' })
      : subnetworkTask(subnetworkName(s.name, cluster), { region, network: ref(net, 'selfLink'), ipCidrRange: s.cidr }, { dependsOn: [net] }),
  );
  const byName = new Map(c.spec.subnets.map((s, i) => [s.name, idOf(subnetworks[i]!)]));
  const privates = c.spec.subnets.filter(natsThroughCloudNat).map((s) => byName.get(s.name)!);
  return { tasks: [network, ...subnetworks, ...firewallRules(spec, net), ...natTasks(spec, net, privates)], network: net, subnetworks: byName };
}

/** One router and NAT in the region for the private subnets it serves (none without any), kops-style. */
function natTasks(spec: SettledSpec, net: TaskId, privates: readonly TaskId[]): Task[] {
  if (privates.length === 0) return [];
  const cluster = spec.cluster.metadata.name;
  const nat = {
    name: gceName('nat', cluster),
    natIpAllocateOption: 'AUTO_ONLY',
    sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS',
    subnetworks: privates.map((p) => ref(p, 'selfLink')),
  };
  return [routerTask(gceName('nat', cluster), { region: spec.cluster.spec.region, network: ref(net, 'selfLink'), nats: [nat] }, { dependsOn: [net, ...privates] })];
}

/** Where a rule admits traffic from: address ranges, or instances by network tag. */
interface Source {
  readonly sourceRanges: readonly string[];
  readonly sourceTags: readonly string[];
}

const fromRanges = (ranges: readonly string[]): Source => ({ sourceRanges: ranges, sourceTags: [] });
const fromTags = (...tags: string[]): Source => ({ sourceRanges: [], sourceTags: tags });
const tcp = (ports: string): FirewallAllowed => ({ IPProtocol: 'tcp', ports: [ports] });
const ANY: FirewallAllowed = { IPProtocol: 'all', ports: [] };

function firewallRules(spec: SettledSpec, net: TaskId): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const tag = (role: string) => networkTag(cluster, role);
  const roles = new Set(spec.instanceGroups.map((ig) => ig.spec.role));
  const all = [tag('control-plane'), tag('node'), ...(roles.has('Bastion') ? [tag('bastion')] : [])];
  const rule = (name: string, allowed: FirewallAllowed, from: Source, targetTags: readonly string[]): Task =>
    firewallTask(
      firewallName(name, cluster),
      {
        network: ref(net, 'selfLink'),
        direction: 'INGRESS',
        priority: 1000,
        allowed: [{ IPProtocol: allowed.IPProtocol, ports: [...allowed.ports] }],
        sourceRanges: [...from.sourceRanges].sort(),
        sourceTags: [...from.sourceTags].sort(),
        targetTags: [...targetTags].sort(),
      },
      { dependsOn: [net] },
    );
  const rules = [
    rule('ssh-access', tcp('22'), fromRanges(c.spec.sshAccess), all),
    rule('api-access', tcp(String(API_PORT)), fromRanges(c.spec.kubernetesApiAccess), [tag('control-plane')]),
    // GCE's probes of the API load balancer's health check (model/api.ts): the target pool's
    // legacy check of the health port, or the internal backend service's check of its probe's port.
    isInternalApi(spec)
      ? rule('api-health-check', tcp(String(internalProbe(spec).port)), fromRanges(INTERNAL_HEALTH_CHECK_SOURCE_RANGES), [tag('control-plane')])
      : rule('api-health-check', tcp(String(API_HEALTH_CHECK_PORT)), fromRanges(HEALTH_CHECK_SOURCE_RANGES), [tag('control-plane')]),
    rule('node-to-control-plane', ANY, fromTags(tag('node')), [tag('control-plane')]),
    rule('control-plane-to-all', ANY, fromTags(tag('control-plane')), all),
    rule('node-to-node', ANY, fromTags(tag('node')), [tag('node')]),
    // Pods talk to each other with their own addresses (no masquerade inside the cluster).
    rule('pod-cidr-to-all', ANY, fromRanges([c.spec.podCIDR]), all),
  ];
  if (c.spec.nodePortAccess.length > 0) rules.push(rule('nodeport-access', tcp(nodePortRange(c.spec)), fromRanges(c.spec.nodePortAccess), [tag('node')]));
  return rules;
}
