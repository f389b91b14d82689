/**
 * Subnetwork: the cluster's range in one region of its network (kops-style: one per region).
 * Desired: `region`, `network` (link), `ipCidrRange`. None changes in place: the range could
 * only grow (expandIpCidrRange), which hoist does not do, so a change is a replacement.
 */

import type { protos } from '@google-cloud/compute';
import { descriptionFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind, str } from './gce-kind.js';

type Subnetwork = protos.google.cloud.compute.v1.ISubnetwork;

export const subnetworkKind = gceKind<Subnetwork>({
  kind: 'Subnetwork',
  uses: ['Network'],
  list: (ctx) =>
    ctx.compute.list('list subnetworks', (pageToken) =>
      ctx.compute.clients.subnetworks.list(
        { project: ctx.project, region: ctx.region, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      ),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get subnetwork ${name}`, () => ctx.compute.clients.subnetworks.get({ project: ctx.project, region: str(f, 'region') || ctx.region, subnetwork: name })),
  fields: (s) => ({ region: lastSegment(s.region ?? ''), network: relativeLink(s.network), ipCidrRange: s.ipCidrRange ?? '' }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert subnetwork ${name}`, (requestId) =>
      ctx.compute.clients.subnetworks.insert({
        project: ctx.project,
        region: str(d, 'region'),
        requestId,
        subnetworkResource: { name, description: ctx.description, network: str(d, 'network'), ipCidrRange: str(d, 'ipCidrRange') },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete subnetwork ${live.name}`, (requestId) =>
      ctx.compute.clients.subnetworks.delete({ project: ctx.project, region: str(live.fields, 'region'), subnetwork: live.name, requestId }),
    );
  },
  immutable: 'all',
});
