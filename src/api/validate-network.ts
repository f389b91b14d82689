/** Network rules: the cluster's ranges, its subnets and their zones, and the access lists. */

import type { FieldProblem } from '../errors.js';
import { cidrContains, cidrsOverlap, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { CompletedClusterSpec } from './defaults.js';
import { subnetNameProblems } from './names.js';
import { formatPath } from './paths.js';
import type { Path } from './paths.js';
import { REGION_EXAMPLES, ZONE_EXAMPLES, isRegionName, regionOfZone } from './zones.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);
const LOOPBACK = parseCidr('127.0.0.0/8');

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

export function networkProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const network = ipv4(spec.networkCIDR, at('networkCIDR'), '172.20.0.0/16', problems);
  if (network && network.prefix > 28) {
    problems.push({ path: at('networkCIDR'), value: spec.networkCIDR, message: 'is too small to hold subnets (at most /28)', fix: 'use a larger range such as a /16' });
  }
  if (network && spec.cloudProvider === 'aws' && network.prefix < 16) {
    problems.push({ path: at('networkCIDR'), value: spec.networkCIDR, message: 'is larger than an AWS VPC may be (/16 to /28)', fix: 'use a /16 or smaller range' });
  }
  if (network && spec.cloudProvider === 'local' && LOOPBACK.ok && !cidrContains(LOOPBACK.cidr, network)) {
    problems.push({ path: at('networkCIDR'), value: spec.networkCIDR, message: 'must be inside 127.0.0.0/8 on the local cloud, whose instances use loopback addresses', fix: 'e.g. 127.20.0.0/16' });
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

  const nonMasq = ipv4(spec.nonMasqueradeCIDR, at('nonMasqueradeCIDR'), '100.64.0.0/10', problems);
  const service = ipv4(spec.serviceClusterIPRange, at('serviceClusterIPRange'), '100.64.0.0/13', problems);
  const pod = ipv4(spec.podCIDR, at('podCIDR'), '100.96.0.0/11', problems);
  const overlapsNetwork = (c: Cidr, path: string, value: string | undefined): boolean => {
    const clash = ranges.find((r) => cidrsOverlap(r.cidr, c));
    if (clash) problems.push({ path, value, message: `overlaps the network ${clash.path} (${clash.text})`, fix: 'use a range outside the network, e.g. 100.64.0.0/10' });
    return clash !== undefined;
  };
  const nonMasqClash = nonMasq ? overlapsNetwork(nonMasq, at('nonMasqueradeCIDR'), spec.nonMasqueradeCIDR) : false;
  for (const [c, field, value] of [[service, 'serviceClusterIPRange', spec.serviceClusterIPRange], [pod, 'podCIDR', spec.podCIDR]] as const) {
    if (!c) continue;
    if (nonMasq && !cidrContains(nonMasq, c)) {
      problems.push({ path: at(field), value, message: `must be inside nonMasqueradeCIDR (${spec.nonMasqueradeCIDR})`, fix: 'use a part of nonMasqueradeCIDR, or leave it unset to derive it' });
    } else if (!nonMasqClash) {
      overlapsNetwork(c, at(field), value);
    }
  }
  if (service && pod && cidrsOverlap(service, pod)) {
    problems.push({ path: at('podCIDR'), value: spec.podCIDR, message: `overlaps serviceClusterIPRange (${spec.serviceClusterIPRange})`, fix: 'give pods and services separate ranges' });
  }
  if (nonMasq && (spec.serviceClusterIPRange === undefined || spec.podCIDR === undefined)) {
    problems.push({ path: at('nonMasqueradeCIDR'), value: spec.nonMasqueradeCIDR, message: 'is too small to hold the service and pod ranges', fix: 'use a /10 such as 100.64.0.0/10, or set serviceClusterIPRange and podCIDR' });
  }
  problems.push(...subnetProblems(spec, ranges, network !== undefined));
  if (spec.cloudProvider === 'aws') problems.push(...awsEgressProblems(spec));
  problems.push(...accessProblems(spec));
  return problems;
}

function subnetProblems(spec: CompletedClusterSpec, ranges: readonly { cidr: Cidr; text: string }[], networkValid: boolean): FieldProblem[] {
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
  const hasUtility = spec.subnets.some((s) => s.type === 'Utility');
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
    problems.push(...placeProblems(spec, i));
    if (cloud === 'aws' && s.type === 'Private' && s.egress === undefined && !hasUtility) {
      problems.push({ path: at('subnets', i, 'type'), value: s.type, message: 'a private subnet needs a way out: no Utility subnet for a NAT gateway and no egress', fix: 'add a Utility subnet in its zone, or set egress' });
    }
  });
  return problems;
}

/**
 * The way out of the private subnets hoist makes on aws: a NAT gateway given by id (nat-…),
 * External (the user routes it), or, unset, a NAT gateway of hoist's per zone. That one sits in a
 * Utility or Public subnet and needs the internet gateway of a subnet hoist manages. The first
 * egress given in a zone is the zone's. (A private subnet with no Utility subnet at all is
 * reported by subnetProblems.)
 */
export function isAwsEgress(egress: string): boolean {
  return egress === 'External' || egress.startsWith('nat-');
}

function awsEgressProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const own = spec.subnets.filter((s) => s.id === undefined);
  const managedPublic = own.some((s) => s.type !== 'Private');
  const hasUtility = spec.subnets.some((s) => s.type === 'Utility');
  spec.subnets.forEach((s, i) => {
    if (s.type !== 'Private' || s.id !== undefined) return;
    if (s.egress !== undefined && !isAwsEgress(s.egress)) {
      problems.push({ path: at('subnets', i, 'egress'), value: s.egress, message: 'is not an egress hoist supports on aws', fix: 'use a NAT gateway id (nat-…), External, or leave it unset for a NAT gateway of hoist' });
      return;
    }
    const zoneEgress = own.find((o) => o.type === 'Private' && o.zone === s.zone && o.egress !== undefined)?.egress;
    if (zoneEgress === undefined && hasUtility && !managedPublic) {
      problems.push({
        path: at('subnets', i),
        value: s.name,
        message: 'is private, but the cluster has no Utility or Public subnet hoist manages to put its NAT gateway in',
        fix: 'add a Utility subnet (without id) in its zone, or set egress to an existing NAT gateway (nat-…) or External',
      });
    }
  });
  return problems;
}

/** Zone and region of one subnet, against the cloud and the cluster's region. */
function placeProblems(spec: CompletedClusterSpec, i: number): FieldProblem[] {
  const s = spec.subnets[i];
  if (!s) return [];
  const cloud = spec.cloudProvider;
  if (s.zone === undefined) {
    if (cloud === 'gce' && s.region !== undefined) return regionMismatch(spec, s.region, at('subnets', i, 'region'));
    if (cloud === 'aws' && s.id !== undefined) return [];
    const what = cloud === 'gce' ? 'a zone or a region' : 'a zone';
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

const PREFIX_LIST = /^pl-[0-9a-f]{8,17}$/;

function accessProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['sshAccess', 'kubernetesApiAccess', 'nodePortAccess'] as const) {
    spec[field].forEach((entry, i) => {
      if (spec.cloudProvider === 'aws' && PREFIX_LIST.test(entry)) return;
      const parsed = parseCidr(entry);
      if (parsed.ok) return;
      const also = spec.cloudProvider === 'aws' ? ' or an AWS prefix list (pl-...)' : '';
      const fix = parsed.suggestion ? `did you mean ${parsed.suggestion}?` : `use a CIDR such as 203.0.113.0/24${also}`;
      problems.push({ path: at(field, i), value: entry, message: `${parsed.message}`, fix });
    });
  }
  return problems;
}
