/**
 * The settled spec: a completed spec with the fields that completion leaves unset only on a spec
 * set that does not validate (a region no subnet gives, a subnet range with no room left, a pod
 * range from a nonMasqueradeCIDR that is not IPv4, a group with no subnet or zone) typed as set.
 *
 * Model builders read this instead of defaulting (`?? ''`): the defaults stay in defaults.ts, and
 * a spec that reaches a builder without them (one that skipped validation) is refused here with
 * validateSpecSet's problems (path, value and fix), not built with empty strings.
 */

import { HoistError, ValidationError } from '../errors.js';
import type { CloudSpecRules } from './cloud-rules.js';
import type { CompletedClusterSpec, CompletedEtcdMember, CompletedInstanceGroup, CompletedInstanceGroupSpec, CompletedSpec } from './defaults.js';
import type { Subnet } from './schema.js';
import { isIpv6Cluster } from './ipv6.js';
import { validateSpecSet } from './validation.js';

// Mutable like the schema's arrays, so a settled group is still a CompletedInstanceGroup.
type NonEmpty<T> = [T, ...T[]];

/** A subnet hoist makes has its range; a shared one (by `id`) is only checked. */
export type SettledSubnet = (Subnet & { readonly id: string }) | (Subnet & { readonly id?: undefined; readonly cidr: string });

/** An etcd member with the zone of its control-plane group, where its volume goes. */
export type SettledEtcdMember = CompletedEtcdMember & { readonly zone: string };

export type SettledClusterSpec = Omit<CompletedClusterSpec, 'region' | 'podCIDR' | 'subnets' | 'etcdClusters'> & {
  readonly region: string;
  /** "" in an IPv6 cluster, which has none: its pods take prefixes of their nodes' interfaces. */
  readonly podCIDR: string;
  readonly subnets: readonly SettledSubnet[];
  readonly etcdClusters: readonly { readonly name: string; readonly version?: string; readonly etcdMembers: readonly SettledEtcdMember[] }[];
};

export type SettledInstanceGroup = Omit<CompletedInstanceGroup, 'spec'> & {
  readonly spec: Omit<CompletedInstanceGroupSpec, 'subnets' | 'zones'> & { readonly subnets: NonEmpty<string>; readonly zones: NonEmpty<string> };
};

export interface SettledSpec {
  readonly cluster: Omit<CompletedSpec['cluster'], 'spec'> & { readonly spec: SettledClusterSpec };
  readonly instanceGroups: readonly SettledInstanceGroup[];
}

const nonEmpty = <T>(xs: readonly T[]): xs is NonEmpty<T> => xs.length > 0;

/**
 * The spec as builders read it. A spec that is not settled did not validate: it is refused with
 * validation's own problems (one source for each rule's message, the cloud's `rules` included),
 * as INVALID_SPEC.
 */
export function settleSpec(spec: CompletedSpec, rules: CloudSpecRules): SettledSpec {
  const c = spec.cluster.spec;
  const { region } = c;
  const podCIDR = c.podCIDR ?? (isIpv6Cluster(c) ? '' : undefined);
  const subnets = c.subnets.flatMap((s): SettledSubnet[] => (s.id !== undefined ? [{ ...s, id: s.id }] : s.cidr !== undefined ? [{ ...s, id: undefined, cidr: s.cidr }] : []));
  const names = new Set(c.subnets.map((s) => s.name));
  const groups = spec.instanceGroups.flatMap((ig): SettledInstanceGroup[] => {
    const { subnets: own, zones } = ig.spec;
    return nonEmpty(own) && names.has(own[0]) && nonEmpty(zones) ? [{ ...ig, spec: { ...ig.spec, subnets: own, zones } }] : [];
  });
  const zoneOf = new Map(groups.map((ig) => [ig.metadata.name, ig.spec.zones[0]]));
  let placed = true;
  const etcdClusters = c.etcdClusters.map((e) => ({
    ...e,
    etcdMembers: e.etcdMembers.flatMap((m) => {
      const zone = zoneOf.get(m.instanceGroup);
      if (zone === undefined) placed = false;
      return zone === undefined ? [] : [{ ...m, zone }];
    }),
  }));
  if (region === undefined || podCIDR === undefined || subnets.length < c.subnets.length || groups.length < spec.instanceGroups.length || !placed) {
    const problems = validateSpecSet(spec.cluster, spec.instanceGroups, rules);
    if (problems.length === 0) throw new HoistError('INTERNAL', `cluster ${spec.cluster.metadata.name}: the completed spec validates but is not settled`);
    throw new ValidationError(`cluster ${spec.cluster.metadata.name}`, problems);
  }
  return {
    cluster: { ...spec.cluster, spec: { ...c, region, podCIDR, subnets, etcdClusters } },
    instanceGroups: groups,
  };
}
