/**
 * Regional managed instance groups. kops makes one zonal managed instance group per zone of an
 * InstanceGroup; with `spec.gce.regionalGroups: true` every Node and Bastion group gets one
 * regional group instead, over the same `zones` (the field kops users already write), and GCE
 * keeps its instances spread evenly over them. A group's annotation
 * `hoist.dev/gce-regional-group` overrides the field for that group ("false" keeps it zonal,
 * "true" makes it regional without the field). Control-plane groups stay zonal: each etcd
 * member's disk is in its group's zone. No SDK: spec commands load this module.
 */

import { autoscaled } from '../../src/api/defaults.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { formatPath, instanceGroupPath } from '../../src/api/paths.js';
import type { FieldProblem } from '../../src/errors.js';

export const REGIONAL_GROUP_ANNOTATION = 'hoist.dev/gce-regional-group';

interface Group {
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> | undefined };
  readonly spec: { readonly role: string; readonly autoscale?: boolean | undefined };
}

interface ClusterOptions {
  readonly spec: { readonly gce?: { readonly regionalGroups?: boolean | undefined } | undefined };
}

const isControlPlane = (ig: Group): boolean => ig.spec.role === 'ControlPlane';
/** The groups cluster-autoscaler scales: Node groups without `autoscale: false`. */
const isAutoscaled = (ig: Group): boolean => ig.spec.role === 'Node' && autoscaled(ig.spec);

/** The group's annotation when it says true or false, else the cluster's field (never for the control plane). */
export function isRegionalGroup(cluster: ClusterOptions, ig: Group): boolean {
  const value = ig.metadata.annotations?.[REGIONAL_GROUP_ANNOTATION];
  if (value === 'true' || value === 'false') return value === 'true';
  return cluster.spec.gce?.regionalGroups === true && !isControlPlane(ig);
}

/**
 * The annotation's value is true or false; a control-plane group is never annotated regional;
 * no group that cluster-autoscaler scales is regional while it is on (its gce driver scales
 * zonal groups only, by `zones/Z/instanceGroups/N`); a group it leaves alone (`autoscale: false`,
 * or a Bastion group) may be.
 */
export function regionalGroupProblems(spec: CompletedSpec): FieldProblem[] {
  const cluster = spec.cluster;
  const problems = spec.instanceGroups.flatMap((ig): FieldProblem[] => {
    const value = ig.metadata.annotations?.[REGIONAL_GROUP_ANNOTATION];
    if (value === undefined) return [];
    const path = instanceGroupPath(ig.metadata.name, ['metadata', 'annotations', REGIONAL_GROUP_ANNOTATION]);
    if (value !== 'true' && value !== 'false') return [{ path, value, message: 'is not "true" or "false"', fix: 'write "true" for one regional managed instance group over the group\'s zones, "false" for one zonal group per zone, or remove it (spec.gce.regionalGroups decides)' }];
    if (value === 'false') return [];
    if (isControlPlane(ig)) {
      return [{
        path,
        value,
        message: 'a control-plane group stays zonal: each etcd member\'s disk is in its group\'s zone, and a regional group could start the member in another',
        fix: 'remove the annotation from the control-plane group (one group per zone, as kops makes them)',
      }];
    }
    if (cluster.spec.clusterAutoscaler?.enabled === true && cluster.spec.gce?.regionalGroups !== true && isAutoscaled(ig)) {
      return [autoscalerProblem(path, value, 'remove the annotation (zonal groups, which cluster-autoscaler scales), or set the group\'s spec.autoscale to false')];
    }
    return [];
  });
  // The field makes groups regional by itself: its path is the one to point at.
  const byField = spec.instanceGroups.filter((ig) => isRegionalGroup(cluster, ig) && isAutoscaled(ig));
  if (cluster.spec.gce?.regionalGroups === true && cluster.spec.clusterAutoscaler?.enabled === true && byField.length > 0) {
    problems.push(autoscalerProblem(formatPath(['spec', 'gce', 'regionalGroups']), true, `set it to false, or annotate each of ${byField.map((ig) => ig.metadata.name).join(', ')} with ${REGIONAL_GROUP_ANNOTATION}: "false" (or set its spec.autoscale to false)`));
  }
  return problems;
}

function autoscalerProblem(path: string, value: unknown, fix: string): FieldProblem {
  return {
    path,
    value,
    message: 'cluster-autoscaler\'s gce driver scales zonal managed instance groups only, and spec.clusterAutoscaler.enabled is true',
    fix: `${fix}, or set spec.clusterAutoscaler.enabled to false`,
  };
}
