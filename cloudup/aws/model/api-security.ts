/**
 * The API load balancer's own security group (`api-elb.<cluster>`), made only when
 * spec.api.loadBalancer.additionalSecurityGroups gives the load balancer security groups: a
 * network load balancer with security groups takes only what they let in, so hoist's group lets
 * kubernetesApiAccess and the cluster's network (its machines) reach the API's listeners, and
 * lets the load balancer reach the API servers. Without them the load balancer has none, as
 * before, and passes every client on to the control plane's group.
 */

import { isIpv6Cluster } from '../../../src/api/ipv6.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Ref, Task, TaskId, Unresolved } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { ruleName, securityGroupRuleTask } from '../tasks/security-group-rule.js';
import type { RulePeerFields } from '../tasks/security-group-rule.js';
import { securityGroupTask } from '../tasks/security-group.js';
import { apiSecurityGroupName } from './names.js';
import { apiClientPeers } from './security.js';
import { named } from './tags.js';

export interface ApiSecurity {
  readonly tasks: Task[];
  /** The load balancer's security groups: hoist's (a reference) first, then the user's ids, sorted. */
  readonly groupIds: readonly (string | Ref)[];
  readonly group: TaskId | undefined;
}

const peerOf = (peer: string): Unresolved<RulePeerFields> => (peer.startsWith('pl-') ? { prefixListId: peer } : peer.includes(':') ? { cidrIpv6: peer } : { cidrIpv4: peer });

export function apiSecurityTasks(spec: SettledSpec, vpc: TaskId, listenerPorts: readonly number[]): ApiSecurity {
  const c = spec.cluster.spec;
  const extra = [...new Set(c.api.loadBalancer?.additionalSecurityGroups ?? [])].sort();
  if (extra.length === 0) return { tasks: [], groupIds: [], group: undefined };
  const cluster = spec.cluster.metadata.name;
  const name = apiSecurityGroupName(cluster);
  const group = securityGroupTask(name, { vpcId: ref(vpc), groupName: name, description: `API load balancer of the Kubernetes cluster ${cluster}`, tags: named(spec, name) }, { dependsOn: [vpc] });
  const groupId = idOf(group);
  const rules = [
    ...apiClientPeers(c).flatMap((peer) =>
      listenerPorts.map((port) => ({ type: 'ingress' as const, ipProtocol: 'tcp', fromPort: port, toPort: port, peer })),
    ),
    ...(isIpv6Cluster(c) ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0']).map((peer) => ({ type: 'egress' as const, ipProtocol: '-1', fromPort: -1, toPort: -1, peer })),
  ];
  const tasks: Task[] = [group];
  for (const rule of rules) {
    tasks.push(
      securityGroupRuleTask(
        ruleName(rule, name),
        { groupId: ref(groupId), type: rule.type, ipProtocol: rule.ipProtocol, fromPort: rule.fromPort, toPort: rule.toPort, ...peerOf(rule.peer) },
        { dependsOn: [groupId] },
      ),
    );
  }
  return { tasks, groupIds: [ref(groupId), ...extra], group: groupId };
}
