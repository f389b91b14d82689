/**
 * Network: a VPC in custom subnet mode (hoist makes the subnetworks), regional routing. The
 * routing mode is patched in place. A network given by name is shared: checked, never changed.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { gceKind } from './gce-kind.js';

type Network = protos.google.cloud.compute.v1.INetwork;

export interface NetworkFields {
  /** Absent on a shared network: not compared. hoist's own is false (custom subnet mode). */
  readonly autoCreateSubnetworks?: boolean;
  /** REGIONAL or GLOBAL. */
  readonly routingMode?: string;
}

export const networkTask = taskConstructor<NetworkFields>('Network');

export const networkKind = gceKind<Network, NetworkFields>({
  kind: 'Network',
  uses: [],
  list: (ctx) =>
    ctx.compute.list('list networks', (pageToken) =>
      ctx.compute.clients.networks.list({ project: ctx.project, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false }),
    ),
  read: (ctx, name) => ctx.compute.get(`get network ${name}`, () => ctx.compute.clients.networks.get({ project: ctx.project, network: name })),
  fields: (n) => ({ autoCreateSubnetworks: n.autoCreateSubnetworks ?? false, routingMode: n.routingConfig?.routingMode ?? 'REGIONAL' }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert network ${name}`, (requestId) =>
      ctx.compute.clients.networks.insert({
        project: ctx.project,
        requestId,
        networkResource: { name, description: ctx.description, autoCreateSubnetworks: d.autoCreateSubnetworks === true, routingConfig: { routingMode: d.routingMode ?? '' } },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete network ${live.name}`, (requestId) => ctx.compute.clients.networks.delete({ project: ctx.project, network: live.name, requestId }));
  },
  immutable: ['autoCreateSubnetworks'],
  async update(ctx, live, d) {
    await ctx.compute.mutate(`patch network ${live.name}`, (requestId) =>
      ctx.compute.clients.networks.patch({ project: ctx.project, network: live.name, requestId, networkResource: { routingConfig: { routingMode: d.routingMode ?? '' } } }),
    );
  },
});
