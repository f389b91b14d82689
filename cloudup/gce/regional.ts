/**
 * Regional managed instance groups. kops makes one zonal managed instance group per zone of an
 * InstanceGroup; an InstanceGroup annotated `hoist.dev/gce-regional-group: "true"` gets one
 * regional group instead, over the same `zones` (the field kops users already write), and GCE
 * keeps its instances spread evenly over them. Annotations, not a new field, because the choice
 * is GCE's alone and a kops spec carries it unchanged. No SDK: spec commands load this module.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { instanceGroupPath } from '../../src/api/paths.js';
import type { FieldProblem } from '../../src/errors.js';

export const REGIONAL_GROUP_ANNOTATION = 'hoist.dev/gce-regional-group';

interface Annotated {
  readonly metadata: { readonly annotations?: Readonly<Record<string, string>> | undefined };
}

export function isRegionalGroup(ig: Annotated): boolean {
  return ig.metadata.annotations?.[REGIONAL_GROUP_ANNOTATION] === 'true';
}

/** The annotation's value is true or false; control-plane groups and autoscaled groups stay zonal. */
export function regionalGroupProblems(spec: CompletedSpec): FieldProblem[] {
  return spec.instanceGroups.flatMap((ig): FieldProblem[] => {
    const value = ig.metadata.annotations?.[REGIONAL_GROUP_ANNOTATION];
    if (value === undefined) return [];
    const path = instanceGroupPath(ig.metadata.name, ['metadata', 'annotations', REGIONAL_GROUP_ANNOTATION]);
    if (value !== 'true' && value !== 'false') return [{ path, value, message: 'is not "true" or "false"', fix: 'write "true" for one regional managed instance group over the group\'s zones, or remove it' }];
    if (value === 'false') return [];
    if (ig.spec.role === 'ControlPlane') {
      return [{
        path,
        value,
        message: 'a control-plane group stays zonal: each etcd member\'s disk is in its group\'s zone, and a regional group could start the member in another',
        fix: 'remove the annotation from the control-plane group (one group per zone, as kops makes them)',
      }];
    }
    if (spec.cluster.spec.clusterAutoscaler?.enabled === true) {
      return [{
        path,
        value,
        message: 'cluster-autoscaler\'s gce driver scales zonal managed instance groups only, and spec.clusterAutoscaler.enabled is true',
        fix: 'remove the annotation (zonal groups, which cluster-autoscaler scales), or set spec.clusterAutoscaler.enabled to false',
      }];
    }
    return [];
  });
}
