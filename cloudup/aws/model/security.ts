/**
 * Security groups of an AWS cluster and only the rules it needs: the control plane and nodes
 * reach each other (nodes never reach etcd's ports), the API port is open to
 * kubernetesApiAccess (the network load balancer keeps client addresses) and to the VPC (its
 * health checks), SSH to sshAccess (or to the bastions when there are bastions, which take
 * sshAccess instead), NodePorts to nodePortAccess, and everything may go out. APIServer machines
 * (a group of their own) reach the control plane's etcd client ports and API port only, and are
 * reached on the API port by clients and the load balancer, on 443 and 6443 by nodes, and on
 * everything by the control plane (its API server calls their kubelets).
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import { nodePortRange } from '../../../src/api/defaults.js';
import { isIpv6Cluster } from '../../../src/api/ipv6.js';
import type { Task, TaskId, Unresolved } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { ruleName, securityGroupRuleTask } from '../tasks/security-group-rule.js';
import type { RulePeerFields } from '../tasks/security-group-rule.js';
import { securityGroupTask } from '../tasks/security-group.js';
import { ETCD_PORTS } from '../../nodeup/components.js';
import { API_SERVER_PORT, securityGroupName } from './names.js';
import type { SecurityRole } from './names.js';
import { named } from './tags.js';

export interface Security {
  readonly tasks: Task[];
  /** The group of each role that has machines. */
  readonly groups: ReadonlyMap<SecurityRole, TaskId>;
}

interface Rule {
  readonly type: 'ingress' | 'egress';
  readonly protocol: 'tcp' | 'udp' | '-1';
  readonly from: number;
  readonly to: number;
  /** A CIDR, a prefix list (pl-…) or another role's group. */
  readonly peer: string | { readonly role: SecurityRole };
}

const ALL = { protocol: '-1', from: -1, to: -1 } as const;

export function securityTasks(spec: SettledSpec, vpc: TaskId): Security {
  const c = spec.cluster.spec;
  const cluster = spec.cluster.metadata.name;
  const roles = new Set<SecurityRole>(['control-plane', 'nodes']);
  if (spec.instanceGroups.some((ig) => ig.spec.role === 'Bastion')) roles.add('bastion');
  const apiServers = spec.instanceGroups.some((ig) => ig.spec.role === 'APIServer');
  if (apiServers) roles.add('apiserver');

  const groups = new Map<SecurityRole, TaskId>();
  const tasks: Task[] = [];
  for (const role of roles) {
    const name = securityGroupName(role, cluster);
    const task = securityGroupTask(name, { vpcId: ref(vpc), groupName: name, description: `${role} of the Kubernetes cluster ${cluster}`, tags: named(spec, name) }, { dependsOn: [vpc] });
    groups.set(role, idOf(task));
    tasks.push(task);
  }

  const ssh = (peer: Rule['peer']): Rule => ({ type: 'ingress', protocol: 'tcp', from: 22, to: 22, peer });
  const sshSources: Rule['peer'][] = roles.has('bastion') ? [{ role: 'bastion' }] : [...new Set(c.sshAccess)];
  const [nodePortFrom, nodePortTo] = nodePortRange(c).split('-').map(Number) as [number, number];
  // Everything but etcd's ports: 2380-2381 (main) and 4001-4002 (events).
  const allButEtcd = (peer: Rule['peer']): Rule[] => [
    { type: 'ingress', protocol: 'tcp', from: 1, to: 2379, peer },
    { type: 'ingress', protocol: 'tcp', from: 2382, to: 4000, peer },
    { type: 'ingress', protocol: 'tcp', from: 4003, to: 65535, peer },
    { type: 'ingress', protocol: 'udp', from: 1, to: 65535, peer },
  ];
  const rules: Record<SecurityRole, Rule[]> = {
    'control-plane': [
      { type: 'ingress', ...ALL, peer: { role: 'control-plane' } },
      ...allButEtcd({ role: 'nodes' }),
      ...apiClientPeers(c).map((peer): Rule => ({ type: 'ingress', protocol: 'tcp', from: API_SERVER_PORT, to: API_SERVER_PORT, peer })),
      ...sshSources.map(ssh),
      // An APIServer machine reaches the control plane as a node does (kubelets, the overlay
      // network), and its API server stores in the control plane's etcd: the client ports the
      // ranges above leave out, never the peer ports.
      ...(apiServers ? allButEtcd({ role: 'apiserver' }) : []),
      ...(apiServers ? etcdClientPorts(spec).filter((port) => port > 2379 && port < 4003).map((port): Rule => ({ type: 'ingress', protocol: 'tcp', from: port, to: port, peer: { role: 'apiserver' } })) : []),
    ],
    apiserver: [
      { type: 'ingress', ...ALL, peer: { role: 'apiserver' } },
      { type: 'ingress', ...ALL, peer: { role: 'control-plane' } },
      // Nodes reach it as they reach one another: the API, and the overlay network's pods on it.
      { type: 'ingress', ...ALL, peer: { role: 'nodes' } },
      ...apiClientPeers(c).map((peer): Rule => ({ type: 'ingress', protocol: 'tcp', from: API_SERVER_PORT, to: API_SERVER_PORT, peer })),
      ...sshSources.map(ssh),
    ],
    nodes: [
      { type: 'ingress', ...ALL, peer: { role: 'nodes' } },
      { type: 'ingress', ...ALL, peer: { role: 'control-plane' } },
      // The API server reaches kubelets, webhooks and aggregated APIs on the nodes.
      ...(apiServers ? [{ type: 'ingress', ...ALL, peer: { role: 'apiserver' } } satisfies Rule] : []),
      ...sshSources.map(ssh),
      ...[...new Set(c.nodePortAccess)].flatMap((peer): Rule[] => [
        { type: 'ingress', protocol: 'tcp', from: nodePortFrom, to: nodePortTo, peer },
        { type: 'ingress', protocol: 'udp', from: nodePortFrom, to: nodePortTo, peer },
      ]),
    ],
    bastion: [...new Set(c.sshAccess)].map(ssh),
  };

  // Out to anywhere, over IPv6 too in an IPv6 cluster (as kops; AWS's own such rule is matched, not doubled).
  const anywhereOut: Rule[] = (isIpv6Cluster(c) ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0']).map((peer) => ({ type: 'egress', ...ALL, peer }));
  for (const role of roles) {
    const group = groups.get(role)!;
    const groupTask = securityGroupName(role, cluster);
    for (const rule of [...rules[role], ...anywhereOut]) {
      const peerGroup = typeof rule.peer === 'string' ? undefined : groups.get(rule.peer.role)!;
      const peerName = typeof rule.peer === 'string' ? rule.peer : securityGroupName(rule.peer.role, cluster);
      const source: Unresolved<RulePeerFields> =
        peerGroup !== undefined ? { sourceGroupId: ref(peerGroup) } : peerName.startsWith('pl-') ? { prefixListId: peerName } : peerName.includes(':') ? { cidrIpv6: peerName } : { cidrIpv4: peerName };
      const name = ruleName({ type: rule.type, ipProtocol: rule.protocol, fromPort: rule.from, toPort: rule.to, peer: peerName }, groupTask);
      tasks.push(
        securityGroupRuleTask(
          name,
          { groupId: ref(group), type: rule.type, ipProtocol: rule.protocol, fromPort: rule.from, toPort: rule.to, ...source },
          { dependsOn: [group, ...(peerGroup !== undefined && peerGroup !== group ? [peerGroup] : [])] },
        ),
      );
    }
  }
  return { tasks, groups };
}

/**
 * Who may call the API: `kubernetesApiAccess`, and every range of the network, whose machines
 * reach it through the load balancer with their own addresses (a group reference does not match
 * traffic a network load balancer passes on).
 */
export function apiClientPeers(c: Pick<SettledSpec['cluster']['spec'], 'kubernetesApiAccess' | 'networkCIDR' | 'additionalNetworkCIDRs'>): string[] {
  return [...new Set([...c.kubernetesApiAccess, c.networkCIDR, ...(c.additionalNetworkCIDRs ?? [])])];
}

/** The client port of each etcd cluster, as nodeup.yaml gives them to the members. */
function etcdClientPorts(spec: SettledSpec): number[] {
  return [...new Set(spec.cluster.spec.etcdClusters.map((e, i) => (ETCD_PORTS[e.name] ?? { client: 4003 + i }).client))].sort((a, b) => a - b);
}
