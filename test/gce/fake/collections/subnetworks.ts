/** `regions/R/subnetworks`: IPv4 ranges of a custom-mode network, one region each. */

import type { Collection } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { lastSegment } from '../links.js';
import { existingLink, nicSubnetworks, usersOf } from '../refs.js';
import { checkCidr, ipOf, optionalString, overlaps, requireField } from '../validate.js';

export const subnetworks: Collection = {
  name: 'subnetworks',
  kind: 'compute#subnetwork',
  scope: 'region',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const network = existingLink(ctx, requireField(body, 'network', 'resource.network'), 'resource.network', 'networks');
    const range = requireField<string>(body, 'ipCidrRange', 'resource.ipCidrRange');
    const cidr = checkCidr(range, 'resource.ipCidrRange');
    if (cidr.bits > 29 || cidr.bits < 8) throw invalid('resource.ipCidrRange', range, 'The prefix length must be between /8 and /29.');
    for (const [path, other] of ctx.state.everywhere(ctx.project, 'subnetworks')) {
      if (other.network === network && overlaps(cidr, checkCidr(other.ipCidrRange, 'ipCidrRange'))) {
        throw invalid('resource.ipCidrRange', range, `It conflicts with the range of ${lastSegment(path)} (${String(other.ipCidrRange)}) in the same network.`);
      }
    }
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      network,
      ipCidrRange: range,
      gatewayAddress: ipOf(cidr.base + 1),
      privateIpGoogleAccess: body.privateIpGoogleAccess === true,
      stackType: 'IPV4_ONLY',
      purpose: 'PRIVATE',
      fingerprint: Buffer.from(ctx.state.newId()).toString('base64'),
    };
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['instances', nicSubnetworks], ['forwardingRules', (f) => [f.subnetwork]], ['addresses', (a) => [a.subnetwork]], ['routers', (r) => ((r.nats as { subnetworks?: { name: string }[] }[] | undefined) ?? []).flatMap((n) => (n.subnetworks ?? []).map((s) => s.name))]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
