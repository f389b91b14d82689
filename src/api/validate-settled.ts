/**
 * The settled spec: a completed spec with the fields that completion leaves unset only on a spec
 * set that does not validate (a region no subnet gives, a subnet range with no room left, a pod
 * range from a nonMasqueradeCIDR that is not IPv4, a group with no subnet or zone) typed as set.
 *
 * Model builders read this instead of defaulting (`?? ''`): the defaults stay in defaults.ts, and
 * a spec that reaches a builder without them (one that skipped validation) is refused here, with
 * the path, value and fix validateSpecSet would give, not built with empty strings.
 */

import { ValidationError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import type { CompletedClusterSpec, CompletedEtcdMember, CompletedInstanceGroup, CompletedInstanceGroupSpec, CompletedSpec } from './defaults.js';
import { formatPath, instanceGroupPath } from './paths.js';
import type { Subnet } from './schema.js';

// Mutable like the schema's arrays, so a settled group is still a CompletedInstanceGroup.
type NonEmpty<T> = [T, ...T[]];

/** A subnet hoist makes has its range; a shared one (by `id`) is only checked. */
export type SettledSubnet = (Subnet & { readonly id: string }) | (Subnet & { readonly id?: undefined; readonly cidr: string });

/** An etcd member with the zone of its control-plane group, where its volume goes. */
export type SettledEtcdMember = CompletedEtcdMember & { readonly zone: string };

export type SettledClusterSpec = Omit<CompletedClusterSpec, 'region' | 'podCIDR' | 'subnets' | 'etcdClusters'> & {
  readonly region: string;
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

/** The spec as builders read it; a ValidationError (INVALID_SPEC) names every field that is not settled. */
export function settleSpec(spec: CompletedSpec): SettledSpec {
  const c = spec.cluster.spec;
  const at = (...path: (string | number)[]) => formatPath(['spec', ...path]);
  const problems: FieldProblem[] = [];
  if (c.region === undefined) problems.push({ path: at('region'), message: 'is not set, and no subnet has a zone or region to take it from', fix: 'set spec.region, or a zone on each subnet' });
  if (c.podCIDR === undefined) {
    problems.push({ path: at('nonMasqueradeCIDR'), value: c.nonMasqueradeCIDR, message: 'cannot hold the pod range', fix: 'use an IPv4 /10 such as 100.64.0.0/10, or set spec.podCIDR' });
  }
  const subnets: SettledSubnet[] = [];
  c.subnets.forEach((s, i) => {
    if (s.id !== undefined) subnets.push({ ...s, id: s.id });
    else if (s.cidr !== undefined) subnets.push({ ...s, id: undefined, cidr: s.cidr });
    else problems.push({ path: at('subnets', i, 'cidr'), message: `there is no room left in networkCIDR (${c.networkCIDR}) for this subnet`, fix: `set spec.subnets[${i}].cidr, or use a larger networkCIDR` });
  });
  const names = c.subnets.map((s) => s.name);
  const groups: SettledInstanceGroup[] = [];
  for (const ig of spec.instanceGroups) {
    const { subnets: own, zones } = ig.spec;
    const where = (...path: (string | number)[]) => instanceGroupPath(ig.metadata.name, ['spec', ...path]);
    const fix = `name one or more of the cluster's subnets: ${names.join(', ')}`;
    if (!nonEmpty(own)) problems.push({ path: where('subnets'), value: [], message: 'lists no subnets', fix });
    else if (!names.includes(own[0])) problems.push({ path: where('subnets', 0), value: own[0], message: 'is not a subnet of the cluster', fix });
    if (!nonEmpty(zones)) problems.push({ path: where('zones'), value: [], message: 'has no zone: none is given and the group\'s subnets have none', fix: 'list the zones of the group, or give its subnets a zone' });
    if (nonEmpty(own) && nonEmpty(zones)) groups.push({ ...ig, spec: { ...ig.spec, subnets: own, zones } });
  }
  const zoneOf = new Map(groups.map((ig) => [ig.metadata.name, ig.spec.zones[0]]));
  const etcdClusters = c.etcdClusters.map((e, i) => ({
    ...e,
    etcdMembers: e.etcdMembers.flatMap((m, j) => {
      const zone = zoneOf.get(m.instanceGroup);
      if (zone !== undefined) return [{ ...m, zone }];
      if (!spec.instanceGroups.some((ig) => ig.metadata.name === m.instanceGroup)) {
        problems.push({ path: at('etcdClusters', i, 'etcdMembers', j, 'instanceGroup'), value: m.instanceGroup, message: 'is not an InstanceGroup of the cluster', fix: 'name a control-plane InstanceGroup' });
      }
      return [];
    }),
  }));
  if (problems.length > 0 || c.region === undefined || c.podCIDR === undefined) throw new ValidationError(`cluster ${spec.cluster.metadata.name}`, problems);
  return {
    cluster: { ...spec.cluster, spec: { ...c, region: c.region, podCIDR: c.podCIDR, subnets, etcdClusters } },
    instanceGroups: groups,
  };
}
