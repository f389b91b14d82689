/**
 * `regions/R/routers`: Cloud Routers and their Cloud NATs (`nats[]`, set with the router on
 * insert and patch, as the API does). The fake checks the NAT's subnetworks are in the router's
 * network and region; it translates nothing.
 */

import type { Collection, Ctx } from '../collection.js';
import { invalid, required } from '../errors.js';
import { resolveRef } from '../links.js';
import { existingLink } from '../refs.js';
import type { Json } from '../validate.js';
import { checkRfc1035, optionalString } from '../validate.js';

const ALLOCATE = ['AUTO_ONLY', 'MANUAL_ONLY'];
const SOURCES = ['ALL_SUBNETWORKS_ALL_IP_RANGES', 'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES', 'LIST_OF_SUBNETWORKS'];
const RANGES = ['ALL_IP_RANGES', 'PRIMARY_IP_RANGE', 'LIST_OF_SECONDARY_IP_RANGES'];

function nats(ctx: Ctx, value: unknown, network: string): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('resource.nats', value, 'Expected a list.');
  const names = new Set<string>();
  return value.map((nat: Json, i) => {
    const at = `resource.nats[${i}]`;
    if (nat.name === undefined) throw required(`${at}.name`);
    const name = checkRfc1035(nat.name, `${at}.name`);
    if (names.has(name)) throw invalid(`${at}.name`, name, 'NAT names must be unique within a router.');
    names.add(name);
    const allocate = nat.natIpAllocateOption;
    if (typeof allocate !== 'string' || !ALLOCATE.includes(allocate)) throw invalid(`${at}.natIpAllocateOption`, allocate, `Must be one of ${ALLOCATE.join(', ')}.`);
    if (allocate === 'MANUAL_ONLY') throw invalid(`${at}.natIpAllocateOption`, allocate, 'Manual NAT addresses are not covered by the fake.');
    const source = nat.sourceSubnetworkIpRangesToNat;
    if (typeof source !== 'string' || !SOURCES.includes(source)) throw invalid(`${at}.sourceSubnetworkIpRangesToNat`, source, `Must be one of ${SOURCES.join(', ')}.`);
    const subnetworks = (nat.subnetworks as Json[] | undefined) ?? [];
    if (source === 'LIST_OF_SUBNETWORKS' && subnetworks.length === 0) throw required(`${at}.subnetworks`);
    if (source !== 'LIST_OF_SUBNETWORKS' && subnetworks.length > 0) throw invalid(`${at}.subnetworks`, subnetworks, 'Subnetworks may be listed only with LIST_OF_SUBNETWORKS.');
    const listed = subnetworks.map((s, j) => {
      const sAt = `${at}.subnetworks[${j}]`;
      const link = existingLink(ctx, s.name, `${sAt}.name`, 'subnetworks');
      const subnetwork = ctx.state.mustGet(resolveRef(ctx.project, s.name, `${sAt}.name`));
      if (subnetwork.network !== network) throw invalid(`${sAt}.name`, s.name, "The subnetwork is not in the router's network.");
      if (subnetwork.region !== link.replace(/\/subnetworks\/[^/]+$/, '')) throw invalid(`${sAt}.name`, s.name, "The subnetwork is not in the router's region.");
      const ranges = (s.sourceIpRangesToNat as unknown[] | undefined) ?? [];
      if (ranges.length === 0) throw required(`${sAt}.sourceIpRangesToNat`);
      ranges.forEach((r, k) => {
        if (typeof r !== 'string' || !RANGES.includes(r)) throw invalid(`${sAt}.sourceIpRangesToNat[${k}]`, r, `Must be one of ${RANGES.join(', ')}.`);
      });
      return { name: link, sourceIpRangesToNat: ranges };
    });
    return { name, natIpAllocateOption: allocate, sourceSubnetworkIpRangesToNat: source, ...(listed.length > 0 ? { subnetworks: listed } : {}), enableEndpointIndependentMapping: false };
  });
}

export const routers: Collection = {
  name: 'routers',
  kind: 'compute#router',
  scope: 'region',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    if (body.network === undefined) throw required('resource.network');
    const network = existingLink(ctx, body.network, 'resource.network', 'networks');
    return { ...(body.description === undefined ? {} : { description: body.description }), network, nats: nats(ctx, body.nats, network) };
  },
  patch(ctx, _path, r, body) {
    if (body.network !== undefined && existingLink(ctx, body.network, 'resource.network', 'networks') !== r.network) {
      throw invalid('resource.network', body.network, 'The network of a router cannot change.');
    }
    return body.nats === undefined ? r : { ...r, nats: nats(ctx, body.nats, String(r.network)) };
  },
};
