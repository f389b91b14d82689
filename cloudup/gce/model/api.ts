/**
 * The API endpoint of a GCE cluster: a reserved regional address, and a forwarding rule on it
 * to a target pool that the control plane's groups fill (a network load balancer, as kops makes).
 */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { ROLE_LABEL, gceLabels, ownershipLabels } from '../labels.js';
import { apiName } from '../names.js';
import { API_PORT } from './network.js';

export function apiTasks(spec: CompletedSpec): { tasks: Task[]; targetPool: Task } {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region ?? '';
  const labels = { ...gceLabels(spec.cluster.spec.cloudLabels), ...ownershipLabels(cluster), [ROLE_LABEL]: 'control-plane' };
  const address: Task = {
    kind: 'Address',
    name: apiName(cluster),
    lifecycle: 'Sync',
    dependsOn: [],
    desired: { region, addressType: 'EXTERNAL', networkTier: 'PREMIUM', labels },
  };
  const targetPool: Task = { kind: 'TargetPool', name: apiName(cluster), lifecycle: 'Sync', dependsOn: [], desired: { region, sessionAffinity: 'NONE' } };
  const forwardingRule: Task = {
    kind: 'ForwardingRule',
    name: apiName(cluster),
    lifecycle: 'Sync',
    dependsOn: [idOf(address), idOf(targetPool)],
    desired: {
      region,
      IPAddress: ref(idOf(address), 'address'),
      IPProtocol: 'TCP',
      portRange: `${API_PORT}-${API_PORT}`,
      target: ref(idOf(targetPool), 'selfLink'),
      loadBalancingScheme: 'EXTERNAL',
      networkTier: 'PREMIUM',
      labels,
    },
  };
  return { tasks: [address, targetPool, forwardingRule], targetPool };
}
