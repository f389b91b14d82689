/**
 * The spec's cloudLabels checked against the cloud's own tag rules, so that `update` never stops
 * half-way on a tag the cloud refuses. A group's resources carry the Cluster's cloudLabels and the
 * group's, merged, plus the tags hoist writes itself: the count is checked on that whole set.
 *
 * Each cloud's limits and its count of hoist's own tags are in its spec rules
 * (cloudup/aws/tag-rules.ts, cloudup/gce/spec-rules.ts); test/api/cloud-labels.test.ts builds
 * every resource with the models and fails when hoist's own tags grow past those counts.
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster, CompletedInstanceGroup } from './defaults.js';
import { formatPath, instanceGroupPath } from './paths.js';
import type { Path } from './paths.js';
import { CLUSTER_LABEL } from './schema.js';

export interface CloudTagRules {
  /** How the cloud names them, for messages: "AWS" and "tag". */
  readonly cloud: string;
  readonly noun: 'tag' | 'label';
  readonly maxPerResource: number;
  /** The most tags hoist writes itself on one resource. */
  readonly ownPerResource: number;
  /** Tags hoist adds to a group's resources for each of its nodeLabels. */
  readonly ownPerNodeLabel: number;
  readonly keyProblem: (key: string) => Omit<FieldProblem, 'path' | 'value'> | undefined;
  readonly valueProblem: (value: string) => Omit<FieldProblem, 'path' | 'value'> | undefined;
}

/** Every cloud's ownership tag kubernetes.io/cluster/<name> (its GCE spelling is kubernetes-io-cluster-<name>). */
export const OWNERSHIP_TAG_PREFIX = 'kubernetes.io/cluster/';

/** The length of a tag's text as clouds count it: in characters, not UTF-16 units. */
export const tagLength = (text: string): number => [...text].length;

/** Up to five characters of `text` that `allowed` refuses, quoted, for a message. */
export const refusedCharacters = (text: string, allowed: RegExp): string =>
  [...new Set([...text].filter((c) => !allowed.test(c)))].slice(0, 5).map((c) => JSON.stringify(c)).join(', ');

/** Tags hoist writes itself to find what it owns; a user value would break ownership. */
function reserved(key: string): boolean {
  return key === CLUSTER_LABEL || key === 'KubernetesCluster' || key.startsWith(OWNERSHIP_TAG_PREFIX) || key === 'hoist-dev-cluster' || key.startsWith('kubernetes-io-cluster-');
}

function labelProblems(labels: Readonly<Record<string, string>>, rules: CloudTagRules | undefined, at: (...p: Path) => string): FieldProblem[] {
  return Object.entries(labels).flatMap(([key, value]): FieldProblem[] => {
    if (key === '') return [{ path: at(key), value: key, message: 'a tag key may not be empty', fix: 'use another key' }];
    if (reserved(key)) return [{ path: at(key), value: key, message: 'is a tag hoist sets itself to track what it owns', fix: 'use another key' }];
    const k = rules?.keyProblem(key);
    if (k) return [{ path: at(key), value: key, ...k }];
    const v = rules?.valueProblem(value);
    return v ? [{ path: at(key), value, ...v }] : [];
  });
}

/**
 * cloudLabels against hoist's own tags and, where the cluster's cloud has them, its tag rules
 * (`rules`, from the cloud's spec rules).
 */
export function cloudLabelProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[], rules: CloudTagRules | undefined): FieldProblem[] {
  const clusterAt = (...p: Path) => formatPath(['spec', 'cloudLabels', ...p]);
  const clusterLabels = cluster.spec.cloudLabels ?? {};
  const problems = labelProblems(clusterLabels, rules, clusterAt);
  if (!rules) return problems;
  const max = rules.maxPerResource;
  const clusterCount = Object.keys(clusterLabels).length;
  const clusterOver = clusterCount + rules.ownPerResource > max;
  if (clusterOver) {
    problems.push({
      path: clusterAt(),
      message: `has ${clusterCount} ${rules.noun}s; with the ${rules.ownPerResource} hoist writes itself that is ${clusterCount + rules.ownPerResource}, and ${rules.cloud} allows ${max} ${rules.noun}s per resource`,
      fix: `remove at least ${clusterCount + rules.ownPerResource - max}`,
    });
  }
  for (const ig of igs) {
    const at = (...p: Path) => instanceGroupPath(ig.metadata.name, ['spec', ...p]);
    const own = ig.spec.cloudLabels ?? {};
    problems.push(...labelProblems(own, rules, (...p) => at('cloudLabels', ...p)));
    const nodeLabels = Object.keys(ig.spec.nodeLabels ?? {});
    const merged = new Set([...Object.keys(clusterLabels), ...Object.keys(own)]).size;
    const forNodeLabels = nodeLabels.length * rules.ownPerNodeLabel;
    const total = merged + rules.ownPerResource + forNodeLabels;
    // Over the limit on the Cluster's labels alone is said once, at the Cluster.
    if (total <= max || (clusterOver && merged === clusterCount && forNodeLabels === 0)) continue;
    const nodes = forNodeLabels > 0 ? ` and ${forNodeLabels} for nodeLabels (the cluster autoscaler's node-template tags)` : '';
    problems.push({
      path: at(Object.keys(own).length > 0 || forNodeLabels === 0 ? 'cloudLabels' : 'nodeLabels'),
      message: `gives the group's resources ${total} ${rules.noun}s: ${merged} from the Cluster's and this group's cloudLabels, ${rules.ownPerResource} of hoist's own${nodes}; ${rules.cloud} allows ${max} ${rules.noun}s per resource`,
      fix: `remove at least ${total - max} of them`,
    });
  }
  return problems;
}
