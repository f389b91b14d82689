/** Instance group rules, and the etcd rules that tie etcd members to control-plane groups. */

import { isDeepStrictEqual } from 'node:util';
import type { FieldProblem } from '../errors.js';
import type { CompletedCluster, CompletedInstanceGroup } from './defaults.js';
import { nearest } from './issues.js';
import { labelProblems, taintProblems } from './labels.js';
import { instanceGroupNameProblems } from './names.js';
import { formatPath, instanceGroupPath } from './paths.js';
import { groupFieldProblems } from './validate-group-fields.js';
import { apiServerGroupProblems } from './validate-apiserver.js';
import { rollingUpdateProblems } from './validate-rolling.js';
import { CLUSTER_LABEL } from './schema.js';
import { regionOfZone } from './zones.js';

export function instanceGroupProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!igs.some((ig) => ig.spec.role === 'ControlPlane')) {
    problems.push({ path: 'instanceGroups', message: 'no InstanceGroup has role ControlPlane', fix: 'add an InstanceGroup with `role: ControlPlane` (one per etcd member)' });
  }
  const seen = new Set<string>();
  for (const ig of igs) {
    const name = ig.metadata.name;
    const at = (...path: (string | number)[]) => instanceGroupPath(name, path);
    problems.push(...instanceGroupNameProblems(name, at('metadata', 'name')));
    if (seen.has(name)) problems.push({ path: at('metadata', 'name'), value: name, message: 'another InstanceGroup has the same name', fix: 'give each InstanceGroup its own name' });
    seen.add(name);
    const owner = ig.metadata.labels?.[CLUSTER_LABEL];
    if (owner !== undefined && owner !== cluster.metadata.name) {
      problems.push({ path: at('metadata', 'labels', CLUSTER_LABEL), value: owner, message: `names another cluster than ${cluster.metadata.name}`, fix: `set it to ${cluster.metadata.name}` });
    }
    problems.push(...placementProblems(cluster, ig));
    if (ig.spec.minSize > ig.spec.maxSize) {
      problems.push({ path: at('spec', 'minSize'), value: ig.spec.minSize, message: `is greater than maxSize (${ig.spec.maxSize})`, fix: `set minSize to at most ${ig.spec.maxSize}, or raise maxSize` });
    }
    // A group that only inherits the cluster's setting is reported once, at the cluster.
    const inherited = ig.spec.role !== 'ControlPlane' && isDeepStrictEqual(ig.spec.rollingUpdate, cluster.spec.rollingUpdate);
    if (!inherited) problems.push(...rollingUpdateProblems(ig.spec.rollingUpdate, (...p) => at('spec', 'rollingUpdate', ...p), ig.spec.role === 'ControlPlane'));
    problems.push(...labelProblems(ig.spec.nodeLabels ?? {}, (key) => at('spec', 'nodeLabels', key)));
    (ig.spec.taints ?? []).forEach((t, i) => problems.push(...taintProblems(t, at('spec', 'taints', i))));
    problems.push(...groupFieldProblems(ig));
  }
  problems.push(...apiServerGroupProblems(cluster, igs));
  return problems;
}

/** Subnets exist; zones are zones of those subnets (or of their region, for a regional subnet). */
function placementProblems(cluster: CompletedCluster, ig: CompletedInstanceGroup): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (...path: (string | number)[]) => instanceGroupPath(ig.metadata.name, path);
  const cloud = cluster.spec.cloudProvider;
  const names = cluster.spec.subnets.map((s) => s.name);
  if (ig.spec.subnets.length === 0) {
    problems.push({ path: at('spec', 'subnets'), value: [], message: 'lists no subnets', fix: `name one or more of the cluster's subnets: ${names.join(', ')}` });
  }
  const own = ig.spec.subnets.flatMap((name, i) => {
    const subnet = cluster.spec.subnets.find((s) => s.name === name);
    if (subnet) return [subnet];
    const guess = nearest(name, names);
    problems.push({ path: at('spec', 'subnets', i), value: name, message: 'is not a subnet of the cluster', fix: guess ? `did you mean ${guess}?` : `use one of: ${names.join(', ')}` });
    return [];
  });
  ig.spec.zones.forEach((zone, i) => {
    const region = regionOfZone(cloud, zone);
    const fits = own.some((s) => (s.zone !== undefined ? s.zone === zone : s.region !== undefined && s.region === region));
    if (own.length > 0 && !fits) {
      const zones = own.map((s) => s.zone ?? `any zone of ${s.region ?? '?'}`).join(', ');
      problems.push({ path: at('spec', 'zones', i), value: zone, message: 'is not a zone of the group\'s subnets', fix: `use one of: ${zones}` });
    }
  });
  if (ig.spec.zones.length === 0 && own.length > 0 && own.every((s) => s.zone === undefined && s.region !== undefined)) {
    problems.push({ path: at('spec', 'zones'), message: 'the group\'s subnets are regional, so the group must list its zones', fix: `e.g. zones: [${own[0]?.region ?? 'us-central1'}-a]` });
  }
  return problems;
}

export function etcdProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const etcd = cluster.spec.etcdClusters;
  const at = (...path: (string | number)[]) => formatPath(['spec', 'etcdClusters', ...path]);
  if (!etcd.some((c) => c.name === 'main')) {
    problems.push({ path: at(), value: etcd.map((c) => c.name), message: 'has no etcd cluster named main', fix: 'add main (and events), or remove etcdClusters to get both by default' });
  }
  const roles = new Map(igs.map((ig) => [ig.metadata.name, ig.spec.role]));
  const clusterNames = new Set<string>();
  etcd.forEach((c, i) => {
    if (clusterNames.has(c.name)) problems.push({ path: at(i, 'name'), value: c.name, message: 'another etcd cluster has the same name', fix: 'give each etcd cluster its own name' });
    clusterNames.add(c.name);
    const count = c.etcdMembers.length;
    if (count % 2 === 0) {
      problems.push({
        path: at(i, 'etcdMembers'),
        value: c.etcdMembers.map((m) => m.name),
        message: `etcd cluster ${c.name} has ${count} members; etcd needs an odd number (1, 3, 5) to keep a quorum`,
        fix: count === 0 ? 'add a member on a control-plane group' : `use ${count - 1} or ${count + 1} members (one per control-plane group)`,
      });
    }
    const memberNames = new Set<string>();
    const groups = new Set<string>();
    c.etcdMembers.forEach((m, j) => {
      if (memberNames.has(m.name)) problems.push({ path: at(i, 'etcdMembers', j, 'name'), value: m.name, message: 'another member of this etcd cluster has the same name', fix: 'name members by zone: a, b, c' });
      memberNames.add(m.name);
      const role = roles.get(m.instanceGroup);
      if (role === undefined) {
        const guess = nearest(m.instanceGroup, [...roles.keys()]);
        problems.push({ path: at(i, 'etcdMembers', j, 'instanceGroup'), value: m.instanceGroup, message: 'is not an InstanceGroup of the cluster', fix: guess ? `did you mean ${guess}?` : 'name a control-plane InstanceGroup' });
      } else if (role !== 'ControlPlane') {
        problems.push({ path: at(i, 'etcdMembers', j, 'instanceGroup'), value: m.instanceGroup, message: `is a ${role} group; etcd members run on control-plane groups`, fix: 'name an InstanceGroup with role ControlPlane' });
      } else if (groups.has(m.instanceGroup)) {
        problems.push({ path: at(i, 'etcdMembers', j, 'instanceGroup'), value: m.instanceGroup, message: 'already runs another member of this etcd cluster', fix: 'give each member its own control-plane group' });
      }
      groups.add(m.instanceGroup);
    });
  });
  return problems;
}
