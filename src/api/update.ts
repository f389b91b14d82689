/**
 * What may not change once a cluster exists: changing these would mean replacing the cluster
 * (or an etcd member, or a group's instances) rather than updating it.
 */

import type { FieldProblem } from '../errors.js';
import { completeSpec } from './defaults.js';
import { instanceGroupPath } from './paths.js';
import type { Cluster, InstanceGroup } from './schema.js';

type Member = { readonly name: string; readonly instanceGroup: string };

/** A spec set; `igs` is accepted as another name for `instanceGroups`. */
export interface SpecSetInput {
  readonly cluster: Cluster;
  readonly instanceGroups?: readonly InstanceGroup[];
  readonly igs?: readonly InstanceGroup[];
}

export function validateUpdate(old: SpecSetInput, next: SpecSetInput): FieldProblem[] {
  const before = completeSpec(old.cluster, old.instanceGroups ?? old.igs ?? []);
  const after = completeSpec(next.cluster, next.instanceGroups ?? next.igs ?? []);
  const problems: FieldProblem[] = [];
  const immutable = (path: string, was: unknown, now: unknown, fix: string) => {
    if (JSON.stringify(was) !== JSON.stringify(now)) problems.push({ path, value: now, message: `cannot change once the cluster exists (it was ${JSON.stringify(was)})`, fix });
  };
  const b = before.cluster.spec;
  const a = after.cluster.spec;
  immutable('metadata.name', before.cluster.metadata.name, after.cluster.metadata.name, 'create a new cluster to use another name');
  immutable('spec.cloudProvider', b.cloudProvider, a.cloudProvider, 'create a new cluster on the other cloud');
  immutable('spec.networkCIDR', b.networkCIDR, a.networkCIDR, `keep ${b.networkCIDR}; add ranges with additionalNetworkCIDRs`);
  immutable('spec.nonMasqueradeCIDR', b.nonMasqueradeCIDR, a.nonMasqueradeCIDR, `keep ${b.nonMasqueradeCIDR}`);
  immutable('spec.serviceClusterIPRange', b.serviceClusterIPRange, a.serviceClusterIPRange, `keep ${b.serviceClusterIPRange ?? 'the current range'}`);
  immutable('spec.etcdClusters', b.etcdClusters.map((c) => c.name), a.etcdClusters.map((c) => c.name), 'keep the same etcd clusters');
  a.etcdClusters.forEach((c, i) => {
    const was = b.etcdClusters.find((o) => o.name === c.name);
    if (was) problems.push(...memberChangeProblems(was.etcdMembers, c.etcdMembers, `spec.etcdClusters[${i}].etcdMembers`));
  });
  a.subnets.forEach((s, i) => {
    const was = b.subnets.find((o) => o.name === s.name);
    if (!was) return;
    immutable(`spec.subnets[${i}].cidr`, was.cidr, s.cidr, `write the current range explicitly: cidr: ${was.cidr ?? '?'}`);
    immutable(`spec.subnets[${i}].zone`, was.zone, s.zone, 'add a new subnet in the other zone instead');
  });
  for (const ig of after.instanceGroups) {
    const was = before.instanceGroups.find((o) => o.metadata.name === ig.metadata.name);
    if (was) immutable(instanceGroupPath(ig.metadata.name, ['spec', 'role']), was.spec.role, ig.spec.role, 'create a new InstanceGroup with the other role');
  }
  return problems;
}

/**
 * Members may be added and removed: hoist adds new ones one at a time through the running
 * cluster (`member add` before each starts) and removes leaving ones before their machines go
 * (docs/etcd.md). What it cannot do safely is refused: a change that keeps no member (nothing
 * would carry the data over), and a member renamed on the same group (its volume, and the
 * identity etcd knows it by, are the old name's).
 */
function memberChangeProblems(was: readonly Member[], now: readonly Member[], at: string): FieldProblem[] {
  const before = new Set(was.map((m) => m.name));
  const after = new Set(now.map((m) => m.name));
  if (now.length > 0 && !now.some((m) => before.has(m.name))) {
    return [{ path: at, value: now.map((m) => m.name), message: `keeps none of the members ${JSON.stringify([...before])}: new members join through a running one, so the data would be lost`, fix: `keep at least one of ${[...before].join(', ')} in this update; remove it in a later one, once the new members have joined` }];
  }
  const problems: FieldProblem[] = [];
  now.forEach((m, j) => {
    if (before.has(m.name)) return;
    const old = was.find((o) => o.instanceGroup === m.instanceGroup && !after.has(o.name));
    if (old !== undefined) {
      problems.push({ path: `${at}[${j}].name`, value: m.name, message: `renames member ${old.name} of group ${m.instanceGroup}; a member keeps its name (its volume and its identity in etcd carry it)`, fix: `keep the name ${old.name}, or remove ${old.name} and its group in one update and add ${m.name} on a new group in another` });
    }
  });
  return problems;
}
