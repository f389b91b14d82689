/**
 * Subnetwork: the cluster's range in one region of its network (kops-style: one per region).
 * None changes in place: the range could only grow (expandIpCidrRange), which hoist does not
 * do, so a change is a replacement. A subnetwork given by name is shared: checked, never changed.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';

type Subnetwork = protos.google.cloud.compute.v1.ISubnetwork;

export interface SubnetworkFields {
  readonly region: string;
  /** The network's link. Absent on a shared subnetwork, as is the range: not compared. */
  readonly network?: string;
  readonly ipCidrRange?: string;
}

export const subnetworkTask = taskConstructor<SubnetworkFields>('Subnetwork');

export const subnetworkKind = gceKind<Subnetwork, SubnetworkFields>({
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
    ctx.compute.get(`get subnetwork ${name}`, () => ctx.compute.clients.subnetworks.get({ project: ctx.project, region: f.region || ctx.region, subnetwork: name })),
  fields: (s) => ({ region: lastSegment(s.region ?? ''), network: relativeLink(s.network), ipCidrRange: s.ipCidrRange ?? '' }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert subnetwork ${name}`, (requestId) =>
      ctx.compute.clients.subnetworks.insert({
        project: ctx.project,
        region: d.region,
        requestId,
        subnetworkResource: { name, description: ctx.description, network: d.network ?? '', ipCidrRange: d.ipCidrRange ?? '' },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete subnetwork ${live.name}`, (requestId) =>
      ctx.compute.clients.subnetworks.delete({ project: ctx.project, region: live.fields.region, subnetwork: live.name, requestId }),
    );
  },
  immutable: 'all',
});
