/**
 * Address: the API's reserved IP in the cluster's region, so that it survives the forwarding
 * rule: external, or internal (one of the cluster's subnetwork, for an internal API load
 * balancer). Labels are set in place; the rest means a new address.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { labelFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';
import { setLabels } from './set-labels.js';

type Address = protos.google.cloud.compute.v1.IAddress;

export interface AddressFields {
  readonly region: string;
  /** EXTERNAL or INTERNAL. */
  readonly addressType: string;
  /** PREMIUM or STANDARD. */
  readonly networkTier: string;
  /** An internal address's subnetwork (link), whose range it is taken from. */
  readonly subnetwork?: string;
  /** An internal address's purpose: GCE_ENDPOINT for a forwarding rule's. */
  readonly purpose?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const addressTask = taskConstructor<AddressFields>('Address');

export const addressKind = gceKind<Address, AddressFields>({
  kind: 'Address',
  uses: ['Subnetwork'],
  list: (ctx) =>
    ctx.compute.list('list addresses', (pageToken) =>
      ctx.compute.clients.addresses.list({ project: ctx.project, region: ctx.region, filter: labelFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false }),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get address ${name}`, () => ctx.compute.clients.addresses.get({ project: ctx.project, region: f.region || ctx.region, address: name })),
  fields: (a) => ({
    region: lastSegment(a.region ?? ''),
    addressType: a.addressType ?? 'EXTERNAL',
    networkTier: a.networkTier ?? 'PREMIUM',
    ...(a.subnetwork ? { subnetwork: relativeLink(a.subnetwork) } : {}),
    ...(a.purpose ? { purpose: a.purpose } : {}),
    labels: { ...a.labels },
  }),
  outputs: (a) => ({ address: a.address ?? '' }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert address ${name}`, (requestId) =>
      ctx.compute.clients.addresses.insert({
        project: ctx.project,
        region: d.region,
        requestId,
        addressResource: {
          name,
          description: ctx.description,
          addressType: d.addressType,
          networkTier: d.networkTier,
          ...(d.subnetwork === undefined ? {} : { subnetwork: d.subnetwork }),
          ...(d.purpose === undefined ? {} : { purpose: d.purpose }),
          labels: { ...d.labels },
        },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete address ${live.name}`, (requestId) =>
      ctx.compute.clients.addresses.delete({ project: ctx.project, region: live.fields.region, address: live.name, requestId }),
    );
  },
  immutable: ['region', 'addressType', 'networkTier', 'subnetwork', 'purpose'],
  async update(ctx, live, d) {
    const at = { project: ctx.project, region: live.fields.region, resource: live.name };
    await setLabels(
      ctx.compute,
      `address ${live.name}`,
      () => ctx.compute.get(`get address ${live.name}`, () => ctx.compute.clients.addresses.get({ project: ctx.project, region: at.region, address: live.name })),
      (labels, labelFingerprint, requestId) => ctx.compute.clients.addresses.setLabels({ ...at, requestId, regionSetLabelsRequestResource: { labels, labelFingerprint } }),
      d.labels,
    );
  },
});
