/** The API endpoint of a local cluster: a load balancer over the control plane, and its DNS name. */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { API_PORT, apiLoadBalancerName, networkName, subnetName } from './names.js';

export function apiTasks(spec: CompletedSpec, networkTask: string): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  // The load balancer sits in the control plane's subnets.
  const planeSubnets = new Set(spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane').flatMap((ig) => ig.spec.subnets));
  const subnets = c.spec.subnets.filter((s) => planeSubnets.has(s.name)).map((s) => idOf({ kind: 'Subnet', name: subnetName(s.name, cluster) })).sort();
  const net = idOf({ kind: 'Network', name: networkTask || networkName(cluster) });
  const lb: Task = {
    kind: 'LoadBalancer',
    name: apiLoadBalancerName(cluster),
    lifecycle: 'Sync',
    dependsOn: [net, ...subnets],
    desired: {
      networkId: ref(net),
      subnetIds: subnets.map((s) => ref(s)),
      listeners: [{ port: API_PORT, targetPort: API_PORT }],
      healthCheck: { port: API_PORT, path: '/healthz' },
    },
  };
  const dns: Task = {
    kind: 'DnsRecord',
    name: c.spec.api.publicName,
    lifecycle: 'Sync',
    dependsOn: [idOf(lb)],
    desired: { type: 'A', ttl: 60, values: [ref(idOf(lb), 'address')] },
  };
  return [lb, dns];
}
