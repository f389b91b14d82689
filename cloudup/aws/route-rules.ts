/**
 * AWS's rules for subnets' `additionalRoutes`, as kops has them: routes go into the route table
 * of a Private subnet hoist makes (a shared subnet's table is not hoist's, and kops refuses them
 * there too), to a target EC2 routes to by id. hoist's own routes of that table (the default
 * route, and in an IPv6 cluster `::/0` and NAT64) are not given again, and the zone's Private
 * subnets, which share the table, do not send one destination two ways.
 */

import { cidrOf, cidrContains, formatCidr } from '../../src/api/cidr.js';
import { formatPath, isIpv6Cluster, isPrivateSubnet } from '../../src/api/index.js';
import type { CompletedClusterSpec, Path } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

/** The targets CreateRoute takes by id, by their prefix; kops's, and Gateway Load Balancer endpoints. */
export const ROUTE_TARGET = /^(tgw|pcx|nat|i|igw|eigw|vpce)-[0-9A-Za-z]+$/;
const TARGETS = 'a transit gateway (tgw-…), VPC peering connection (pcx-…), NAT gateway (nat-…), instance (i-…), internet gateway (igw-…), egress-only internet gateway (eigw-…) or Gateway Load Balancer endpoint (vpce-…)';

/** Destinations hoist routes itself in a private route table. */
function ownDestinations(spec: CompletedClusterSpec): readonly string[] {
  return isIpv6Cluster(spec) ? ['0.0.0.0/0', '::/0', '64:ff9b::/96'] : ['0.0.0.0/0'];
}

export function subnetRouteAwsProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const network = [spec.networkCIDR, ...(spec.additionalNetworkCIDRs ?? [])].flatMap((text, k) => {
    const cidr = cidrOf(text);
    return cidr ? [{ cidr, path: k === 0 ? at('networkCIDR') : at('additionalNetworkCIDRs', k - 1) }] : [];
  });
  const own = ownDestinations(spec);
  // By zone, then destination: the first route given to it, whose target the others must keep.
  const zones = new Map<string, Map<string, { target: string; path: string; subnet: number }>>();
  spec.subnets.forEach((s, i) => {
    const routes = s.additionalRoutes ?? [];
    if (routes.length === 0) return;
    const listPath = at('subnets', i, 'additionalRoutes');
    if (s.id !== undefined) {
      problems.push({ path: listPath, value: routes, message: 'cannot be added to a shared subnet (given by id): its route table is not hoist\'s, and kops refuses them there too', fix: 'add the routes to the subnet\'s route table outside hoist, or remove them' });
      return;
    }
    if (s.type !== 'Private') {
      problems.push({ path: listPath, value: routes, message: `can only be added to a Private subnet (this one is ${s.type}), as in kops`, fix: 'move them to a Private subnet, or remove them' });
      return;
    }
    // The first egress given in a zone is the zone's (spec-rules.ts): External leaves the zone's table to the user.
    const zoneEgress = spec.subnets.find((o) => o.id === undefined && isPrivateSubnet(o) && o.zone === s.zone && o.egress !== undefined)?.egress;
    if (zoneEgress === 'External') {
      problems.push({ path: listPath, value: routes, message: `cannot be added to a subnet whose egress is External (zone ${s.zone ?? ''}): hoist makes no route table for it`, fix: 'add the routes to the route table you manage for it, or remove them' });
      return;
    }
    const zone = zones.get(s.zone ?? '') ?? new Map<string, { target: string; path: string; subnet: number }>();
    zones.set(s.zone ?? '', zone);
    routes.forEach((r, j) => {
      const targetPath = at('subnets', i, 'additionalRoutes', j, 'target');
      const cidrPath = at('subnets', i, 'additionalRoutes', j, 'cidr');
      if (!ROUTE_TARGET.test(r.target)) {
        problems.push({ path: targetPath, value: r.target, message: 'is not a route target hoist knows', fix: `use the id of ${TARGETS}` });
      }
      const cidr = cidrOf(r.cidr);
      // A destination that is not a CIDR as AWS writes it is src/api's problem, reported there.
      if (!cidr || formatCidr(cidr) !== r.cidr) return;
      if (own.includes(r.cidr)) {
        problems.push({ path: cidrPath, value: r.cidr, message: 'is a route hoist makes itself in a private route table (the way out: the zone\'s NAT gateway, or the subnet\'s egress)', fix: 'set spec.subnets[].egress for the way out, or route a narrower range' });
        return;
      }
      if (r.target.startsWith('eigw-') && cidr.family !== 6) {
        problems.push({ path: targetPath, value: r.target, message: 'is an egress-only internet gateway, which takes IPv6 destinations only', fix: 'route an IPv6 range to it, or use another target' });
      }
      const inside = network.find((n) => n.cidr.family === cidr.family && cidrContains(n.cidr, cidr));
      if (inside && r.target.startsWith('pcx-')) {
        problems.push({ path: targetPath, value: r.target, message: `is a VPC peering connection, but ${r.cidr} is inside the network (${inside.path}): a route more specific than the VPC's own goes only to an instance, a NAT gateway or an endpoint, as kops says`, fix: 'route a range outside the network to the peering connection' });
      }
      const earlier = zone.get(r.cidr);
      if (earlier === undefined) zone.set(r.cidr, { target: r.target, path: cidrPath, subnet: i });
      // Twice in one subnet's list is src/api's problem (validate-routes.ts), reported there.
      else if (earlier.target !== r.target && earlier.subnet !== i) {
        problems.push({ path: cidrPath, value: r.cidr, message: `is also routed to ${earlier.target} by ${earlier.path}: the Private subnets of zone ${s.zone ?? ''} share one route table`, fix: 'send the destination to one target' });
      }
    });
  });
  return problems;
}
