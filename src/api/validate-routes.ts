/**
 * The rules of subnets' `additionalRoutes` that every cloud shares: the cloud makes such routes
 * at all, each destination is a CIDR written as the cloud writes it back, and no destination is
 * given twice or is the network's own range (the VPC routes that locally), as kops checks. The
 * targets and the subnets that may have routes are the cloud's (cloudup/aws/route-rules.ts).
 */

import type { FieldProblem } from '../errors.js';
import { formatCidr, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { CloudSpecRules } from './cloud-rules.js';
import type { CompletedClusterSpec } from './defaults.js';
import { isIpv6Cluster } from './ipv6.js';
import { formatPath } from './paths.js';
import type { Path } from './paths.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

/** The network's ranges, as validate-network.ts found them valid. */
export interface NetworkRange {
  readonly cidr: Cidr;
  readonly path: string;
  readonly text: string;
}

export function subnetRouteProblems(spec: CompletedClusterSpec, rules: CloudSpecRules, ranges: readonly NetworkRange[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  spec.subnets.forEach((s, i) => {
    const routes = s.additionalRoutes;
    if (routes === undefined) return;
    if (rules.subnetRoutes !== true) {
      problems.push({ path: at('subnets', i, 'additionalRoutes'), value: routes, message: `hoist makes no routes of its own in a subnet's route table on ${spec.cloudProvider}`, fix: 'remove it: additional routes are made on aws' });
      return;
    }
    const seen = new Map<string, number>();
    routes.forEach((r, j) => {
      const path = at('subnets', i, 'additionalRoutes', j, 'cidr');
      const parsed = parseCidr(r.cidr);
      if (!parsed.ok) {
        problems.push({ path, value: r.cidr, message: parsed.message, fix: parsed.suggestion ? `did you mean ${parsed.suggestion}?` : 'e.g. 10.100.0.0/16' });
        return;
      }
      const canonical = formatCidr(parsed.cidr);
      // The cloud lists routes by their destination as it writes it: another spelling would never match.
      if (canonical !== r.cidr) {
        problems.push({ path, value: r.cidr, message: 'is not written as the cloud writes it back', fix: `write it as ${canonical}` });
        return;
      }
      if (parsed.cidr.family === 6 && !isIpv6Cluster(spec)) {
        problems.push({ path, value: r.cidr, message: 'is an IPv6 destination, which needs an IPv6 cluster (the VPC has no IPv6 block otherwise)', fix: 'use an IPv4 range, or make the cluster IPv6 (spec.nonMasqueradeCIDR: ::/0)' });
        return;
      }
      const first = seen.get(canonical);
      if (first !== undefined) {
        problems.push({ path, value: r.cidr, message: `is also the destination of spec.subnets[${i}].additionalRoutes[${first}]`, fix: 'give each destination one route' });
        return;
      }
      seen.set(canonical, j);
      const own = ranges.find((n) => n.cidr.family === parsed.cidr.family && n.cidr.base === parsed.cidr.base && n.cidr.prefix === parsed.cidr.prefix);
      if (own) problems.push({ path, value: r.cidr, message: `is the network's own range (${own.path}), which the VPC routes locally`, fix: 'route a range outside the network, or a part of another network' });
    });
  });
  return problems;
}
