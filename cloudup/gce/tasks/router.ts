/**
 * Router: a Cloud Router in the cluster's region with a Cloud NAT on it (routers.insert with
 * `nats[]`, as the API has it), so machines without external addresses (private subnets) reach
 * the internet. The NAT covers the listed subnetworks only, never the rest of a shared network.
 * Its NATs change in place (routers.patch); a new network or region means a new router.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';

type Router = protos.google.cloud.compute.v1.IRouter;

export interface RouterNat {
  readonly name: string;
  /** AUTO_ONLY: GCE allocates the external addresses. */
  readonly natIpAllocateOption: string;
  /** LIST_OF_SUBNETWORKS: only `subnetworks`. */
  readonly sourceSubnetworkIpRangesToNat: string;
  /** Links of the subnetworks whose every range is translated. */
  readonly subnetworks: readonly string[];
}

export interface RouterFields {
  readonly region: string;
  readonly network: string;
  readonly nats: readonly RouterNat[];
}

export const routerTask = taskConstructor<RouterFields>('Router');

const ALL_RANGES = 'ALL_IP_RANGES';

export const routerKind = gceKind<Router, RouterFields>({
  kind: 'Router',
  uses: ['Network', 'Subnetwork'],
  list: (ctx) =>
    ctx.compute.list('list routers', (pageToken) =>
      ctx.compute.clients.routers.list({ project: ctx.project, region: ctx.region, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false }),
    ),
  read: (ctx, name, f) => ctx.compute.get(`get router ${name}`, () => ctx.compute.clients.routers.get({ project: ctx.project, region: f.region || ctx.region, router: name })),
  fields: (r) => ({
    region: lastSegment(r.region ?? ''),
    network: relativeLink(r.network),
    nats: (r.nats ?? []).map((n) => ({
      name: n.name ?? '',
      natIpAllocateOption: n.natIpAllocateOption ?? '',
      sourceSubnetworkIpRangesToNat: n.sourceSubnetworkIpRangesToNat ?? '',
      subnetworks: (n.subnetworks ?? []).map((s) => relativeLink(s.name)),
    })),
  }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert router ${name}`, (requestId) =>
      ctx.compute.clients.routers.insert({ project: ctx.project, region: d.region, requestId, routerResource: { name, description: ctx.description, network: d.network, nats: natsOf(d) } }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete router ${live.name}`, (requestId) => ctx.compute.clients.routers.delete({ project: ctx.project, region: live.fields.region, router: live.name, requestId }));
  },
  immutable: ['region', 'network'],
  async update(ctx, live, d) {
    await ctx.compute.mutate(`change router ${live.name}`, (requestId) =>
      ctx.compute.clients.routers.patch({ project: ctx.project, region: live.fields.region, router: live.name, requestId, routerResource: { nats: natsOf(d) } }),
    );
  },
});

function natsOf(d: RouterFields): protos.google.cloud.compute.v1.IRouterNat[] {
  return d.nats.map((n) => ({
    name: n.name,
    natIpAllocateOption: n.natIpAllocateOption,
    sourceSubnetworkIpRangesToNat: n.sourceSubnetworkIpRangesToNat,
    subnetworks: n.subnetworks.map((s) => ({ name: s, sourceIpRangesToNat: [ALL_RANGES] })),
  }));
}
