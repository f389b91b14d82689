/**
 * A subnet's `egress` on GCE, as kops reads it there: the region's private subnets that hoist
 * makes leave through one Cloud NAT, unless a subnet says `External` (its way out is the user's,
 * and the NAT leaves it out). `NatGateway`, kops's name for that NAT, is the same as no egress.
 * An existing subnetwork (`id`) is never put in the NAT: its way out is configured already, and
 * GCE lets a range be translated by one NAT only. Other values (AWS's nat-…, tgw-…) are
 * refused. No SDK: spec commands load this module.
 */

import { formatPath, isPrivateSubnet } from '../../src/api/index.js';
import type { Subnet } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

const GCE_EGRESS = ['External', 'NatGateway'];

/** Whether the subnet's range goes into the cluster's Cloud NAT. */
export function natsThroughCloudNat(s: Pick<Subnet, 'type' | 'id' | 'egress'>): boolean {
  return isPrivateSubnet(s) && s.id === undefined && s.egress !== 'External';
}

export function gceEgressProblems(subnets: readonly Subnet[]): FieldProblem[] {
  return subnets.flatMap((s, i): FieldProblem[] => {
    if (s.egress === undefined) return [];
    const path = formatPath(['spec', 'subnets', i, 'egress']);
    if (!GCE_EGRESS.includes(s.egress)) {
      return [{ path, value: s.egress, message: 'is not an egress of gce: a private subnet leaves through the cluster\'s Cloud NAT, or through your own route (External)', fix: 'remove it (the Cloud NAT), or write External' }];
    }
    if (!isPrivateSubnet(s) && s.egress !== 'External') {
      return [{ path, value: s.egress, message: `can only be set on a Private subnet (this one is ${s.type}): only private subnets leave through the Cloud NAT`, fix: 'remove it' }];
    }
    return [];
  });
}
