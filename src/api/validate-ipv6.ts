/**
 * The rules of IPv6 clusters (`nonMasqueradeCIDR: ::/0`) and of subnets' `ipv6CIDR`, as kops
 * has them: the cloud must make IPv6 networks, the network plugin must route IPv6 pods, the
 * service range is IPv6, and each subnet's IPv6 range is a /64 of the VPC's IPv6 block.
 */

import type { FieldProblem } from '../errors.js';
import { cidrsOverlap, formatIpv6Slot, parseCidr, parseIpv6Slot } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { CloudSpecRules } from './cloud-rules.js';
import type { CompletedClusterSpec } from './defaults.js';
import { IPV6_NETWORK_PLUGINS, isIpv6Cluster } from './ipv6.js';
import { formatPath } from './paths.js';
import type { Path } from './paths.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

/** Problems of the IPv6 fields; `[]` for an IPv4 cluster whose subnets name no IPv6 range. */
export function ipv6Problems(spec: CompletedClusterSpec, rules: CloudSpecRules): FieldProblem[] {
  const ipv6 = isIpv6Cluster(spec);
  if (!ipv6) {
    return spec.subnets.flatMap((s, i) =>
      s.ipv6CIDR === undefined && s.type !== 'DualStack'
        ? []
        : [{ path: at('subnets', i, s.ipv6CIDR === undefined ? 'type' : 'ipv6CIDR'), value: s.ipv6CIDR ?? s.type, message: 'needs an IPv6 cluster', fix: 'set spec.nonMasqueradeCIDR to ::/0 (an IPv6 cluster, as kops), or remove it' }],
    );
  }
  if (rules.ipv6 !== true) {
    return [{ path: at('nonMasqueradeCIDR'), value: spec.nonMasqueradeCIDR, message: `makes an IPv6 cluster, which hoist does not make on ${spec.cloudProvider}: its network, load balancers and machines are IPv4 only`, fix: 'use an IPv4 range such as 100.64.0.0/10 (docs/spec-reference.md says which clouds make IPv6 clusters)' }];
  }
  const problems: FieldProblem[] = [];
  const plugin = Object.keys(spec.networking)[0] ?? 'flannel';
  if (!(IPV6_NETWORK_PLUGINS as readonly string[]).includes(plugin)) {
    problems.push({ path: at('networking', plugin), value: plugin, message: `does not route IPv6 pods (kops allows cilium and calico, or your own cni)`, fix: 'set spec.networking to {cilium: {}} or {calico: {}}' });
  }
  const service = parseCidr(spec.serviceClusterIPRange ?? '');
  if (!service.ok || service.cidr.family !== 6) {
    problems.push({ path: at('serviceClusterIPRange'), value: spec.serviceClusterIPRange, message: 'must be an IPv6 range in an IPv6 cluster', fix: 'e.g. fd00:5e4f:ce::/108, or leave it unset' });
  } else if (service.cidr.prefix < 108) {
    problems.push({ path: at('serviceClusterIPRange'), value: spec.serviceClusterIPRange, message: 'is larger than a /108, which the API server refuses', fix: 'e.g. fd00:5e4f:ce::/108' });
  }
  if (spec.podCIDR !== undefined) {
    problems.push({ path: at('podCIDR'), value: spec.podCIDR, message: 'is not used in an IPv6 cluster: pods take prefixes of their nodes\' network interfaces', fix: 'remove it' });
  }
  problems.push(...subnetRanges(spec, service.ok ? service.cidr : undefined));
  return problems;
}

function subnetRanges(spec: CompletedClusterSpec, service: Cidr | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  spec.subnets.forEach((s, i) => {
    const path = at('subnets', i, 'ipv6CIDR');
    if (s.ipv6CIDR === undefined) {
      if (s.id === undefined) problems.push({ path, message: 'a subnet of an IPv6 cluster needs an IPv6 range', fix: `e.g. ipv6CIDR: /64#${(i + 1).toString(16)} (the ${i + 1}th /64 of the VPC's IPv6 block)` });
      return;
    }
    const slot = parseIpv6Slot(s.ipv6CIDR);
    let key: string;
    if (slot) {
      if (slot.prefix !== 64) {
        problems.push({ path, value: s.ipv6CIDR, message: 'must name a /64: AWS gives subnets /64 IPv6 ranges only', fix: `e.g. /64#${slot.index.toString(16)}` });
        return;
      }
      if (slot.index > 0xff) {
        problems.push({ path, value: s.ipv6CIDR, message: 'is past the last /64 of the VPC\'s IPv6 block (Amazon gives a VPC a /56: 256 of them, /64#0 to /64#ff)', fix: `use /64#0 to /64#ff, e.g. /64#${i.toString(16)}` });
        return;
      }
      key = formatIpv6Slot(slot);
    } else {
      const parsed = parseCidr(s.ipv6CIDR);
      if (!parsed.ok || parsed.cidr.family !== 6) {
        const message = parsed.ok ? 'must be an IPv6 range' : parsed.message;
        problems.push({ path, value: s.ipv6CIDR, message, fix: parsed.ok || !parsed.suggestion ? 'use /64#N (the Nth /64 of the VPC\'s IPv6 block, N in hexadecimal), e.g. /64#1, or a /64 of that block' : `did you mean ${parsed.suggestion}?` });
        return;
      }
      if (parsed.cidr.prefix !== 64) {
        problems.push({ path, value: s.ipv6CIDR, message: 'must be a /64: AWS gives subnets /64 IPv6 ranges only', fix: 'use a /64 of the VPC\'s IPv6 block, or /64#N' });
        return;
      }
      if (service && cidrsOverlap(parsed.cidr, service)) {
        problems.push({ path, value: s.ipv6CIDR, message: `overlaps serviceClusterIPRange (${spec.serviceClusterIPRange})`, fix: 'use a /64 of the VPC\'s IPv6 block' });
        return;
      }
      key = s.ipv6CIDR;
    }
    const first = seen.get(key);
    if (first !== undefined) problems.push({ path, value: s.ipv6CIDR, message: `is also the IPv6 range of spec.subnets[${first}] (${spec.subnets[first]?.name})`, fix: 'give each subnet its own /64' });
    else seen.set(key, i);
  });
  return problems;
}
