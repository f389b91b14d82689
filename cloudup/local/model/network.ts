/** The network, its subnets and the firewall rules of a local cluster. */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { CLUSTER_TAG, ROLE_TAG } from '../../tags.js';
import { API_PORT, networkName, ruleName, subnetName } from './names.js';

export function networkTasks(spec: CompletedSpec): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const shared = c.spec.networkID !== undefined;
  const network: Task = {
    kind: 'Network',
    name: shared ? c.spec.networkID! : networkName(cluster),
    lifecycle: shared ? 'ExistsAndValidates' : 'Sync',
    dependsOn: [],
    desired: { cidr: c.spec.networkCIDR },
  };
  const net = idOf(network);
  const subnets: Task[] = c.spec.subnets.map((s) => ({
    kind: 'Subnet',
    name: subnetName(s.name, cluster),
    lifecycle: 'Sync',
    dependsOn: [net],
    desired: { networkId: ref(net), cidr: s.cidr ?? '', zone: s.zone ?? '' },
  }));
  return [network, ...subnets, ...firewallRules(spec, net)];
}

function firewallRules(spec: CompletedSpec, net: TaskId): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const role = (r: string) => `${ROLE_TAG}=${r}`;
  const all = `${CLUSTER_TAG}=${cluster}`;
  const rule = (name: string, fields: { protocol: string; ports: string[]; sourceCidrs?: readonly string[]; sourceTags?: string[]; targetTags: string[] }): Task => ({
    kind: 'FirewallRule',
    name: ruleName(name, cluster),
    lifecycle: 'Sync',
    dependsOn: [net],
    desired: {
      networkId: ref(net),
      direction: 'ingress',
      protocol: fields.protocol,
      ports: fields.ports,
      sourceCidrs: [...(fields.sourceCidrs ?? [])].sort(),
      sourceTags: fields.sourceTags ?? [],
      targetTags: fields.targetTags,
    },
  });
  const rules = [
    rule('api-access', { protocol: 'tcp', ports: [String(API_PORT)], sourceCidrs: c.spec.kubernetesApiAccess, targetTags: [role('control-plane')] }),
    rule('ssh-access', { protocol: 'tcp', ports: ['22'], sourceCidrs: c.spec.sshAccess, targetTags: [all] }),
    rule('node-to-control-plane', { protocol: 'all', ports: [], sourceTags: [role('node')], targetTags: [role('control-plane')] }),
    rule('control-plane-to-all', { protocol: 'all', ports: [], sourceTags: [role('control-plane')], targetTags: [all] }),
    rule('node-to-node', { protocol: 'all', ports: [], sourceTags: [role('node')], targetTags: [role('node')] }),
  ];
  if (c.spec.nodePortAccess.length > 0) {
    rules.push(rule('nodeport-access', { protocol: 'tcp', ports: ['30000-32767'], sourceCidrs: c.spec.nodePortAccess, targetTags: [role('node')] }));
  }
  return rules;
}
