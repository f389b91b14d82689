/**
 * The network of a GCE cluster: a custom-mode VPC (or an existing one, by name), one subnetwork
 * per spec subnet (one per region, kops-style), and firewall rules aimed at network tags.
 */

import type { CompletedSpec } from '../../../src/api/index.js';
import { regionOfZone } from '../../../src/api/zones.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { firewallName, networkName, networkTag, subnetworkName } from '../names.js';

/** The API server's port, on the instances and on the forwarding rule alike (no port mapping on GCE network load balancers). */
export const API_PORT = 6443;

export interface NetworkTasks {
  readonly tasks: Task[];
  readonly network: TaskId;
  /** Subnetwork task by spec subnet name. */
  readonly subnetworks: ReadonlyMap<string, TaskId>;
}

export function networkTasks(spec: CompletedSpec): NetworkTasks {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const shared = c.spec.networkID !== undefined;
  const network: Task = {
    kind: 'Network',
    name: shared ? c.spec.networkID! : networkName(cluster),
    lifecycle: shared ? 'ExistsAndValidates' : 'Sync',
    dependsOn: [],
    desired: shared ? {} : { autoCreateSubnetworks: false, routingMode: 'REGIONAL' },
  };
  const net = idOf(network);
  const subnetworks = c.spec.subnets.map((s): Task => {
    const region = s.region ?? (s.zone === undefined ? undefined : regionOfZone('gce', s.zone)) ?? c.spec.region ?? '';
    return s.id !== undefined
      ? { kind: 'Subnetwork', name: s.id, lifecycle: 'ExistsAndValidates', dependsOn: [], desired: { region } }
      : { kind: 'Subnetwork', name: subnetworkName(s.name, cluster), lifecycle: 'Sync', dependsOn: [net], desired: { region, network: ref(net, 'selfLink'), ipCidrRange: s.cidr ?? '' } };
  });
  const byName = new Map(c.spec.subnets.map((s, i) => [s.name, idOf(subnetworks[i]!)]));
  return { tasks: [network, ...subnetworks, ...firewallRules(spec, net)], network: net, subnetworks: byName };
}

interface Rule {
  readonly protocol: string;
  readonly ports?: readonly string[];
  readonly sourceRanges?: readonly string[];
  readonly sourceTags?: readonly string[];
  readonly targetTags: readonly string[];
}

function firewallRules(spec: CompletedSpec, net: TaskId): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const tag = (role: string) => networkTag(cluster, role);
  const roles = new Set(spec.instanceGroups.map((ig) => ig.spec.role));
  const all = [tag('control-plane'), tag('node'), ...(roles.has('Bastion') ? [tag('bastion')] : [])];
  const rule = (name: string, r: Rule): Task => ({
    kind: 'Firewall',
    name: firewallName(name, cluster),
    lifecycle: 'Sync',
    dependsOn: [net],
    desired: {
      network: ref(net, 'selfLink'),
      direction: 'INGRESS',
      priority: 1000,
      allowed: [{ IPProtocol: r.protocol, ports: [...(r.ports ?? [])] }],
      sourceRanges: [...(r.sourceRanges ?? [])].sort(),
      sourceTags: [...(r.sourceTags ?? [])].sort(),
      targetTags: [...r.targetTags].sort(),
    },
  });
  const rules = [
    rule('ssh-access', { protocol: 'tcp', ports: ['22'], sourceRanges: c.spec.sshAccess, targetTags: all }),
    rule('api-access', { protocol: 'tcp', ports: [String(API_PORT)], sourceRanges: c.spec.kubernetesApiAccess, targetTags: [tag('control-plane')] }),
    rule('node-to-control-plane', { protocol: 'all', sourceTags: [tag('node')], targetTags: [tag('control-plane')] }),
    rule('control-plane-to-all', { protocol: 'all', sourceTags: [tag('control-plane')], targetTags: all }),
    rule('node-to-node', { protocol: 'all', sourceTags: [tag('node')], targetTags: [tag('node')] }),
    // Pods talk to each other with their own addresses (no masquerade inside the cluster).
    rule('pod-cidr-to-all', { protocol: 'all', sourceRanges: [c.spec.podCIDR ?? c.spec.nonMasqueradeCIDR], targetTags: all }),
  ];
  if (c.spec.nodePortAccess.length > 0) {
    rules.push(rule('nodeport-access', { protocol: 'tcp', ports: ['30000-32767'], sourceRanges: c.spec.nodePortAccess, targetTags: [tag('node')] }));
  }
  return rules;
}
