/** The network, its subnets and the firewall rules of a local cluster. */

import { validateSpecSet } from '../../../src/api/index.js';
import { nodePortRange } from '../../../src/api/defaults.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import { HoistError, ValidationError } from '../../../src/errors.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { CLUSTER_TAG, ROLE_TAG } from '../../tags.js';
import type { FirewallRuleFields } from '../tasks/firewall-rule.js';
import { firewallRuleTask } from '../tasks/firewall-rule.js';
import { networkTask } from '../tasks/network.js';
import { subnetTask } from '../tasks/subnet.js';
import { localSpecRules } from '../spec-rules.js';
import { API_PORT, networkName, ruleName, subnetName } from './names.js';

export interface NetworkTasks {
  /** The network's task id, which the other builders refer to. */
  readonly network: TaskId;
  readonly tasks: Task[];
}

export function networkTasks(spec: SettledSpec): NetworkTasks {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const network = c.spec.networkID !== undefined
    ? networkTask(c.spec.networkID, { cidr: c.spec.networkCIDR }, { lifecycle: 'ExistsAndValidates' })
    : networkTask(networkName(cluster), { cidr: c.spec.networkCIDR });
  const net = idOf(network);
  const subnets = localSubnets(spec).map((s) => subnetTask(subnetName(s.name, cluster), { networkId: ref(net), cidr: s.cidr, zone: s.zone }, { dependsOn: [net] }));
  return { network: net, tasks: [network, ...subnets, ...firewallRules(spec, net)] };
}

/**
 * Every subnet of a local cluster is one hoist makes, in a zone: validation makes sure of both
 * (the settled spec leaves the zone optional for clouds with regional subnets). A spec that
 * skipped validation is refused with validation's own problems.
 */
function localSubnets(spec: SettledSpec): { name: string; cidr: string; zone: string }[] {
  const all = spec.cluster.spec.subnets;
  const subnets = all.flatMap((s) => (s.cidr !== undefined && s.zone !== undefined ? [{ name: s.name, cidr: s.cidr, zone: s.zone }] : []));
  if (subnets.length === all.length) return subnets;
  const problems = validateSpecSet(spec.cluster, spec.instanceGroups, localSpecRules);
  if (problems.length === 0) throw new HoistError('INTERNAL', `cluster ${spec.cluster.metadata.name}: a subnet validates without a range or a zone`);
  throw new ValidationError(`cluster ${spec.cluster.metadata.name}`, problems);
}

type RuleFields = Pick<FirewallRuleFields, 'protocol' | 'ports' | 'sourceCidrs' | 'sourceTags' | 'targetTags'>;

function firewallRules(spec: SettledSpec, net: TaskId): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  const role = (r: string) => `${ROLE_TAG}=${r}`;
  const all = `${CLUSTER_TAG}=${cluster}`;
  const rule = (name: string, f: RuleFields): Task =>
    firewallRuleTask(
      ruleName(name, cluster),
      {
        networkId: ref(net),
        direction: 'ingress',
        protocol: f.protocol,
        ports: f.ports,
        sourceCidrs: [...f.sourceCidrs].sort(),
        sourceTags: f.sourceTags,
        targetTags: f.targetTags,
      },
      { dependsOn: [net] },
    );
  const rules = [
    rule('api-access', { protocol: 'tcp', ports: [String(API_PORT)], sourceCidrs: c.spec.kubernetesApiAccess, sourceTags: [], targetTags: [role('control-plane')] }),
    rule('ssh-access', { protocol: 'tcp', ports: ['22'], sourceCidrs: c.spec.sshAccess, sourceTags: [], targetTags: [all] }),
    rule('node-to-control-plane', { protocol: 'all', ports: [], sourceCidrs: [], sourceTags: [role('node')], targetTags: [role('control-plane')] }),
    rule('control-plane-to-all', { protocol: 'all', ports: [], sourceCidrs: [], sourceTags: [role('control-plane')], targetTags: [all] }),
    rule('node-to-node', { protocol: 'all', ports: [], sourceCidrs: [], sourceTags: [role('node')], targetTags: [role('node')] }),
  ];
  if (c.spec.nodePortAccess.length > 0) {
    rules.push(rule('nodeport-access', { protocol: 'tcp', ports: [nodePortRange(c.spec)], sourceCidrs: c.spec.nodePortAccess, sourceTags: [], targetTags: [role('node')] }));
  }
  return rules;
}
