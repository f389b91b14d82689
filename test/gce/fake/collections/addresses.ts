/**
 * `regions/R/addresses`: reserved regional IP addresses, external or internal (one of a
 * subnetwork's range, for an internal load balancer); IN_USE while a forwarding rule holds one.
 */

import type { Collection, Ctx } from '../collection.js';
import { ApiError, inUse, invalid, required } from '../errors.js';
import { link } from '../links.js';
import { fingerprint } from '../migs.js';
import { existingLink, usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { checkCidr, checkLabels, ipOf, optionalString } from '../validate.js';
import { setLabels } from './labels.js';

const PURPOSES = ['GCE_ENDPOINT', 'SHARED_LOADBALANCER_VIP'];

/** An internal address: in a subnetwork of the region (required: hoist's networks are custom mode), taken from the top of its range. */
function internalAddress(ctx: Ctx, body: Json): { address: string; subnetwork: string; purpose: string } {
  if (body.subnetwork === undefined) throw required('resource.subnetwork');
  const subnetwork = existingLink(ctx, body.subnetwork, 'resource.subnetwork', 'subnetworks');
  if (!subnetwork.includes(`/regions/${ctx.scope.name}/`)) throw invalid('resource.subnetwork', body.subnetwork, `The subnetwork is not in region ${ctx.scope.name}.`);
  const purpose = body.purpose ?? 'GCE_ENDPOINT';
  if (typeof purpose !== 'string' || !PURPOSES.includes(purpose)) throw invalid('resource.purpose', purpose, `Must be one of ${PURPOSES.join(', ')} (the purposes the fake covers).`);
  const sub = ctx.state.mustGet(subnetwork.replace(/^.*\/compute\/v1\//, ''));
  const { base, bits } = checkCidr(sub.ipCidrRange, 'ipCidrRange');
  const taken = new Set(ctx.state.everywhere(ctx.project, 'addresses').map(([, a]) => a.address));
  for (let i = 2 ** (32 - bits) - 3; i >= 2; i--) if (!taken.has(ipOf(base + i))) return { address: ipOf(base + i), subnetwork, purpose };
  throw new ApiError(400, 'invalid', `The subnetwork ${String(sub.name)} has no free address.`);
}

export const addresses: Collection = {
  name: 'addresses',
  kind: 'compute#address',
  scope: 'region',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const addressType = body.addressType ?? 'EXTERNAL';
    if (addressType !== 'EXTERNAL' && addressType !== 'INTERNAL') throw invalid('resource.addressType', addressType, 'Must be EXTERNAL or INTERNAL.');
    const tier = body.networkTier ?? 'PREMIUM';
    if (tier !== 'PREMIUM' && tier !== 'STANDARD') throw invalid('resource.networkTier', tier, 'Must be PREMIUM or STANDARD.');
    const labels = checkLabels(body.labels, 'resource.labels');
    const internal = addressType === 'INTERNAL' ? internalAddress(ctx, body) : undefined;
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      address: internal?.address ?? (typeof body.address === 'string' ? body.address : ctx.state.externalIp()),
      addressType,
      ...(internal ? { subnetwork: internal.subnetwork, purpose: internal.purpose } : {}),
      networkTier: tier,
      ipVersion: 'IPV4',
      labels,
      labelFingerprint: fingerprint(labels),
    };
  },
  view(ctx, path, r) {
    const by = usersOf(ctx, path, [['forwardingRules', (f) => [f.addressLink]]]);
    return { ...r, status: by.length > 0 ? 'IN_USE' : 'RESERVED', ...(by.length > 0 ? { users: by.map(link) } : {}) };
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['forwardingRules', (f) => [f.addressLink]]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
  methods: { setLabels },
};
