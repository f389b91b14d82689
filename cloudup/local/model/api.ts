/** The API endpoint of a local cluster: a load balancer over the control plane, and its DNS name. */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { dnsRecordTask } from '../tasks/dns-record.js';
import { loadBalancerTask } from '../tasks/load-balancer.js';
import { API_PORT, apiLoadBalancerName, subnetName } from './names.js';

export function apiTasks(spec: SettledSpec, net: TaskId): Task[] {
  const c = spec.cluster;
  const cluster = c.metadata.name;
  // The load balancer sits in the control plane's subnets.
  const planeSubnets = new Set(spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane').flatMap((ig) => ig.spec.subnets));
  const subnets = c.spec.subnets.filter((s) => planeSubnets.has(s.name)).map((s) => idOf({ kind: 'Subnet', name: subnetName(s.name, cluster) })).sort();
  const lb = loadBalancerTask(
    apiLoadBalancerName(cluster),
    {
      networkId: ref(net),
      subnetIds: subnets.map((s) => ref(s)),
      listeners: [{ port: API_PORT, targetPort: API_PORT }],
      healthCheck: { port: API_PORT, path: '/healthz' },
    },
    { dependsOn: [net, ...subnets] },
  );
  const dns = dnsRecordTask(c.spec.api.publicName, { type: 'A', ttl: 60, values: [ref(idOf(lb), 'address')] }, { dependsOn: [idOf(lb)] });
  return [lb, dns];
}
