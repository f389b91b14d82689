/** `regions/R/addresses`: reserved regional IP addresses; IN_USE while a forwarding rule holds one. */

import type { Collection } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { link } from '../links.js';
import { fingerprint } from '../migs.js';
import { usersOf } from '../refs.js';
import { checkLabels, optionalString } from '../validate.js';
import { setLabels } from './labels.js';

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
    if (addressType === 'INTERNAL') throw invalid('resource.addressType', addressType, 'Internal addresses are not covered by the fake.');
    const labels = checkLabels(body.labels, 'resource.labels');
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      address: typeof body.address === 'string' ? body.address : ctx.state.externalIp(),
      addressType,
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
