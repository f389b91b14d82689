/**
 * Semantic validation: the rules the schema cannot express, run on the completed spec set, all
 * problems at once, each with its path, the bad value and how to fix it.
 */

import type { FieldProblem } from '../errors.js';
import { cloudLabelProblems } from './cloud-labels.js';
import { completeSpec } from './defaults.js';
import type { Cluster, InstanceGroup } from './schema.js';
import { clusterProblems } from './validate-cluster.js';
import { etcdProblems, instanceGroupProblems } from './validate-groups.js';
import { networkProblems } from './validate-network.js';

export { validateUpdate } from './update.js';
export type { SpecSetInput } from './update.js';

/**
 * Every problem of the spec set. The input is completed first (completion is idempotent, so an
 * already completed set may be passed), so the rules see what the cluster will really be.
 */
export function validateSpecSet(cluster: Cluster, igs: readonly InstanceGroup[]): FieldProblem[] {
  const completed = completeSpec(cluster, igs);
  return [
    ...clusterProblems(completed.cluster),
    ...cloudLabelProblems(completed.cluster, completed.instanceGroups),
    ...networkProblems(completed.cluster.spec),
    ...etcdProblems(completed.cluster, completed.instanceGroups),
    ...instanceGroupProblems(completed.cluster, completed.instanceGroups),
  ];
}
