/** LoadBalancer: a TCP proxy in front of the control plane's API servers. */
import type { Listener } from '../api-types.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface LoadBalancerFields {
  readonly networkId: string;
  readonly subnetIds: readonly string[];
  readonly listeners: readonly Listener[];
  readonly healthCheck: { readonly port: number; readonly path?: string };
}

export const loadBalancerTask = taskConstructor<LoadBalancerFields>('LoadBalancer');

export const loadBalancerKind = localKind<'loadBalancers', LoadBalancerFields>({
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
