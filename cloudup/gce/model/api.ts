/**
 * The API endpoint of a GCE cluster: a reserved regional address, and a forwarding rule on it
 * to a target pool that the control plane's groups fill (a network load balancer, as kops makes).
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { ROLE_LABEL, gceLabels, ownershipLabels } from '../labels.js';
import { apiName } from '../names.js';
import { addressTask } from '../tasks/address.js';
import { forwardingRuleTask } from '../tasks/forwarding-rule.js';
import { targetPoolTask } from '../tasks/target-pool.js';
import { API_PORT } from './network.js';

export function apiTasks(spec: SettledSpec): { tasks: Task[]; targetPool: Task } {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const labels = { ...gceLabels(spec.cluster.spec.cloudLabels), ...ownershipLabels(cluster), [ROLE_LABEL]: 'control-plane' };
  const address = addressTask(apiName(cluster), { region, addressType: 'EXTERNAL', networkTier: 'PREMIUM', labels });
  const targetPool = targetPoolTask(apiName(cluster), { region, sessionAffinity: 'NONE' });
  const forwardingRule = forwardingRuleTask(
    apiName(cluster),
    {
      region,
      IPAddress: ref(idOf(address), 'address'),
      IPProtocol: 'TCP',
      portRange: `${API_PORT}-${API_PORT}`,
      target: ref(idOf(targetPool), 'selfLink'),
      loadBalancingScheme: 'EXTERNAL',
      networkTier: 'PREMIUM',
      labels,
    },
    { dependsOn: [idOf(address), idOf(targetPool)] },
  );
  return { tasks: [address, targetPool, forwardingRule], targetPool };
}
