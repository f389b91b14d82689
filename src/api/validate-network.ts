/** Network rules: the cluster's ranges, its subnets and their zones, and the access lists. */

import type { FieldProblem } from '../errors.js';
import { cidrContains, cidrsOverlap, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { CloudSpecRules } from './cloud-rules.js';
import { podsFromNetwork } from './defaults.js';
import { isIpv6Cluster } from './ipv6.js';
import { ipv6Problems } from './validate-ipv6.js';
import { subnetRouteProblems } from './validate-routes.js';
import type { CompletedClusterSpec } from './defaults.js';
import { subnetNameProblems } from './names.js';
import { formatPath } from './paths.js';
import type { Path } from './paths.js';
import { REGION_EXAMPLES, ZONE_EXAMPLES, isRegionName, regionOfZone } from './zones.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

/** The parsed IPv4 CIDR, or a problem; undefined value → undefined, no problem. */
function ipv4(value: string | undefined, path: string, example: string, problems: FieldProblem[]): Cidr | undefined {
  if (value === undefined) return undefined;
  const parsed = parseCidr(value);
  if (!parsed.ok) {
    problems.push({ path, value, message: parsed.message, fix: parsed.suggestion ? `did you mean ${parsed.suggestion}?` : `e.g. ${example}` });
    return undefined;
  }
  if (parsed.cidr.family !== 4) {
    problems.push({ path, value, message: 'must be an IPv4 range', fix: `e.g. ${example}` });
    return undefined;
  }
  return parsed.cidr;
}

export function networkProblems(spec: CompletedClusterSpec, rules: CloudSpecRules): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const network = ipv4(spec.networkCIDR, at('networkCIDR'), '172.20.0.0/16', problems);
  if (network && network.prefix > 28) {
    problems.push({ path: at('networkCIDR'), value: spec.networkCIDR, message: 'is too small to hold subnets (at most /28)', fix: 'use a larger range such as a /16' });
  }
  const ranges: { cidr: Cidr; path: string; text: string }[] = network ? [{ cidr: network, path: at('networkCIDR'), text: spec.networkCIDR }] : [];
  (spec.additionalNetworkCIDRs ?? []).forEach((text, i) => {
    const path = at('additionalNetworkCIDRs', i);
    const c = ipv4(text, path, '10.1.0.0/16', problems);
    if (!c) return;
    const clash = ranges.find((r) => cidrsOverlap(r.cidr, c));
    if (clash) problems.push({ path, value: text, message: `overlaps ${clash.path} (${clash.text})`, fix: 'use a range that does not overlap the network' });
    else ranges.push({ cidr: c, path, text });
  });

  // An IPv6 cluster's pod and service ranges are IPv6 and outside the network: their own rules.
  if (!isIpv6Cluster(spec)) problems.push(...ipv4RangeProblems(spec, ranges));
  problems.push(...ipv6Problems(spec, rules));
  problems.push(...subnetProblems(spec, rules, ranges, network !== undefined));
  problems.push(...subnetRouteProblems(spec, rules, ranges));
  problems.push(...accessProblems(spec, rules));
  return problems;
}

/** The IPv4 pod and service ranges of a cluster against nonMasqueradeCIDR and the network. */
function ipv4RangeProblems(spec: CompletedClusterSpec, ranges: readonly { cidr: Cidr; path: string; text: string }[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const nonMasq = ipv4(spec.nonMasqueradeCIDR, at('nonMasqueradeCIDR'), '100.64.0.0/10', problems);
  const service = ipv4(spec.serviceClusterIPRange, at('serviceClusterIPRange'), '100.64.0.0/13', problems);
  const pod = ipv4(spec.podCIDR, at('podCIDR'), '100.96.0.0/11', problems);
  const overlapsNetwork = (c: Cidr, path: string, value: string | undefined, also = ''): boolean => {
    const clash = ranges.find((r) => cidrsOverlap(r.cidr, c));
    if (clash) problems.push({ path, value, message: `overlaps the network ${clash.path} (${clash.text})`, fix: `use a range outside the network, e.g. 100.64.0.0/10${also}` });
    return clash !== undefined;
  };
  if (podsFromNetwork(spec)) {
    // kops's rule for VPC-routed pods: pod ranges may be the network's; services never are.
    if (pod && nonMasq && !cidrContains(nonMasq, pod)) {
      problems.push({ path: at('podCIDR'), value: spec.podCIDR, message: `must be inside nonMasqueradeCIDR (${spec.nonMasqueradeCIDR})`, fix: 'use a part of nonMasqueradeCIDR, or leave it unset to derive it' });
    }
    if (service) overlapsNetwork(service, at('serviceClusterIPRange'), spec.serviceClusterIPRange);
  } else {
    const vpcRouted = ' (only a VPC-routed pod network, networking.amazonvpc, lets it overlap)';
    const nonMasqClash = nonMasq ? overlapsNetwork(nonMasq, at('nonMasqueradeCIDR'), spec.nonMasqueradeCIDR, vpcRouted) : false;
    for (const [c, field, value] of [[service, 'serviceClusterIPRange', spec.serviceClusterIPRange], [pod, 'podCIDR', spec.podCIDR]] as const) {
      if (!c) continue;
      if (nonMasq && !cidrContains(nonMasq, c)) {
        problems.push({ path: at(field), value, message: `must be inside nonMasqueradeCIDR (${spec.nonMasqueradeCIDR})`, fix: 'use a part of nonMasqueradeCIDR, or leave it unset to derive it' });
      } else if (!nonMasqClash) {
        overlapsNetwork(c, at(field), value);
      }
    }
  }
  if (service && pod && cidrsOverlap(service, pod)) {
    problems.push({ path: at('podCIDR'), value: spec.podCIDR, message: `overlaps serviceClusterIPRange (${spec.serviceClusterIPRange})`, fix: 'give pods and services separate ranges' });
  }
  if (nonMasq && (spec.serviceClusterIPRange === undefined || spec.podCIDR === undefined)) {
    problems.push({ path: at('nonMasqueradeCIDR'), value: spec.nonMasqueradeCIDR, message: 'is too small to hold the service and pod ranges', fix: 'use a /10 such as 100.64.0.0/10, or set serviceClusterIPRange and podCIDR' });
  }
  return problems;
}

function subnetProblems(spec: CompletedClusterSpec, rules: CloudSpecRules, ranges: readonly { cidr: Cidr; text: string }[], networkValid: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const cloud = spec.cloudProvider;
  if (spec.subnets.length === 0) {
    problems.push({ path: at('subnets'), value: [], message: 'lists no subnets', fix: `add one, e.g. {name: ${ZONE_EXAMPLES[cloud]}, zone: ${ZONE_EXAMPLES[cloud]}, type: Public}` });
  }
  if (spec.region !== undefined && !isRegionName(cloud, spec.region)) {
    problems.push({ path: at('region'), value: spec.region, message: `is not a ${cloud} region name`, fix: `e.g. ${REGION_EXAMPLES[cloud]}` });
  }
  const seen = new Map<string, number>();
  const carved: { cidr: Cidr; index: number }[] = [];
  spec.subnets.forEach((s, i) => {
    problems.push(...subnetNameProblems(s.name, at('subnets', i, 'name')));
    const first = seen.get(s.name);
    if (first !== undefined) problems.push({ path: at('subnets', i, 'name'), value: s.name, message: `is also the name of spec.subnets[${first}]`, fix: 'give each subnet its own name' });
    else seen.set(s.name, i);

    if (s.cidr === undefined) {
      if (networkValid) problems.push({ path: at('subnets', i, 'cidr'), message: `there is no room left in networkCIDR (${spec.networkCIDR}) for this subnet`, fix: `set spec.subnets[${i}].cidr, or use a larger networkCIDR` });
    } else {
      const c = ipv4(s.cidr, at('subnets', i, 'cidr'), '172.20.32.0/19', problems);
      if (c && ranges.length > 0 && !ranges.some((r) => cidrContains(r.cidr, c))) {
        problems.push({ path: at('subnets', i, 'cidr'), value: s.cidr, message: `is outside networkCIDR (${spec.networkCIDR})`, fix: `use a range inside ${spec.networkCIDR}, or add one to additionalNetworkCIDRs` });
      } else if (c) {
        const clash = carved.find((o) => cidrsOverlap(o.cidr, c));
        if (clash) problems.push({ path: at('subnets', i, 'cidr'), value: s.cidr, message: `overlaps spec.subnets[${clash.index}] (${spec.subnets[clash.index]?.name}, ${spec.subnets[clash.index]?.cidr})`, fix: 'give each subnet its own range' });
        carved.push({ cidr: c, index: i });
      }
    }
    problems.push(...placeProblems(spec, rules, i));
  });
  return problems;
}

/** Zone and region of one subnet, against the cloud and the cluster's region. */
function placeProblems(spec: CompletedClusterSpec, rules: CloudSpecRules, i: number): FieldProblem[] {
  const s = spec.subnets[i];
  if (!s) return [];
  const cloud = spec.cloudProvider;
  if (s.zone === undefined) {
    if (rules.regionalSubnets && s.region !== undefined) return regionMismatch(spec, s.region, at('subnets', i, 'region'));
    if (rules.sharedSubnetsNeedNoZone && s.id !== undefined) return [];
    const what = rules.regionalSubnets ? 'a zone or a region' : 'a zone';
    return [{ path: at('subnets', i, 'zone'), message: `the subnet has no ${what}`, fix: `e.g. zone: ${ZONE_EXAMPLES[cloud]}` }];
  }
  const region = regionOfZone(cloud, s.zone);
  if (region === undefined) {
    return [{ path: at('subnets', i, 'zone'), value: s.zone, message: `is not a ${cloud} zone name`, fix: `e.g. ${ZONE_EXAMPLES[cloud]}` }];
  }
  if (s.region !== undefined && s.region !== region) {
    return [{ path: at('subnets', i, 'region'), value: s.region, message: `does not match zone ${s.zone} (region ${region})`, fix: `set it to ${region} or remove it` }];
  }
  return regionMismatch(spec, region, at('subnets', i, 'zone'), s.zone);
}

function regionMismatch(spec: CompletedClusterSpec, region: string, path: string, value: string = region): FieldProblem[] {
  if (spec.region === undefined || spec.region === region) return [];
  return [{ path, value, message: `is in region ${region}, but the cluster is in ${spec.region}`, fix: `use zones of ${spec.region}: all subnets of a cluster are in one region` }];
}

function accessProblems(spec: CompletedClusterSpec, rules: CloudSpecRules): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const other = rules.accessListEntries;
  for (const field of ['sshAccess', 'kubernetesApiAccess', 'nodePortAccess'] as const) {
    spec[field].forEach((entry, i) => {
      if (other?.accepts(entry)) return;
      const parsed = parseCidr(entry);
      if (parsed.ok) return;
      const also = other ? ` or ${other.described}` : '';
      const fix = parsed.suggestion ? `did you mean ${parsed.suggestion}?` : `use a CIDR such as 203.0.113.0/24${also}`;
      problems.push({ path: at(field, i), value: entry, message: `${parsed.message}`, fix });
    });
  }
  return problems;
}
