/** LoadBalancer: a TCP proxy in front of the control plane's API servers. */
import { localKind } from './resource-kind.js';

export const loadBalancerKind = localKind({
  kind: 'LoadBalancer',
  type: 'loadBalancers',
  uses: ['Network', 'Subnet'],
  fields: (lb) => ({
    networkId: lb.networkId,
    subnetIds: [...lb.subnetIds],
    listeners: lb.listeners.map((l) => ({ port: l.port, targetPort: l.targetPort })),
    healthCheck: { port: lb.healthCheck.port, ...(lb.healthCheck.path === undefined ? {} : { path: lb.healthCheck.path }) },
  }),
  outputs: (lb) => ({ address: lb.address }),
  body: (d) => ({ ...d }),
  immutable: ['networkId', 'subnetIds'],
});
