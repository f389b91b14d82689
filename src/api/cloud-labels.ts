/**
 * The spec's cloudLabels checked against the cloud's own tag rules, so that `update` never stops
 * half-way on a tag the cloud refuses. A group's resources carry the Cluster's cloudLabels and the
 * group's, merged, plus the tags hoist writes itself: the count is checked on that whole set.
 *
 * hoist's own counts come from the models (cloudup/aws/model, cloudup/gce/model and a GCE roll's
 * detached label); test/api/cloud-labels.test.ts builds every resource and fails when they grow
 * past the numbers here.
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster, CompletedInstanceGroup } from './defaults.js';
import { formatPath, instanceGroupPath } from './paths.js';
import type { Path } from './paths.js';
import { CLUSTER_LABEL } from './schema.js';
import type { CloudProvider } from './schema.js';

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

/** The cluster autoscaler reads a group's node labels from these tags (scale from zero). */
export const AWS_NODE_LABEL_TAG_PREFIX = 'k8s.io/cluster-autoscaler/node-template/label/';
/** Every AWS resource carries kubernetes.io/cluster/<name>, whose key must fit in 128. */
const AWS_OWNERSHIP_TAG_PREFIX = 'kubernetes.io/cluster/';
const AWS_KEY_MAX = 128;
const AWS_VALUE_MAX = 256;
/** What IAM, Auto Scaling and ELB accept in tags (EC2 accepts more, the others do not). */
const AWS_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const GCE_MAX = 63;

const chars = (text: string) => [...text].length;
const refused = (text: string, allowed: RegExp) => [...new Set([...text].filter((c) => !allowed.test(c)))].slice(0, 5).map((c) => JSON.stringify(c)).join(', ');

function awsText(what: 'key' | 'value', text: string, max: number): Omit<FieldProblem, 'path' | 'value'> | undefined {
  if (chars(text) > max) return { message: `is ${chars(text)} characters long; AWS tag ${what}s hold at most ${max}`, fix: `shorten it to ${max} characters` };
  if (!AWS_CHARS.test(text)) {
    return { message: `has characters AWS refuses in tags (${refused(text, /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u)})`, fix: 'use letters, digits, spaces and _ . : / = + - @' };
  }
  return undefined;
}

/** GCE's spelling of a key or value, when it is a valid one. */
function gceSpelling(text: string, key: boolean): string | undefined {
  const s = text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return s.length <= GCE_MAX && (!key || /^[a-z]/.test(s)) ? s : undefined;
}

function gceText(what: 'key' | 'value', text: string): Omit<FieldProblem, 'path' | 'value'> | undefined {
  if (chars(text) > GCE_MAX) return { message: `is ${chars(text)} characters long; GCE label ${what}s hold at most ${GCE_MAX}`, fix: `shorten it to ${GCE_MAX} characters` };
  const spelling = gceSpelling(text, what === 'key');
  if (!/^[a-z0-9_-]*$/.test(text)) {
    const rule = what === 'key' ? 'lower-case letters, digits, "_" and "-", starting with a letter' : 'lower-case letters, digits, "_" and "-"';
    return { message: `has characters GCE refuses in labels (${refused(text, /[a-z0-9_-]/)}): GCE label ${what}s are ${rule}`, fix: spelling ? `use ${spelling}` : 'use a-z, 0-9, "_" and "-"' };
  }
  if (what === 'key' && !/^[a-z]/.test(text)) {
    return { message: 'must start with a lower-case letter, as GCE label keys do', fix: spelling ? `use ${spelling}` : 'start it with a letter a-z' };
  }
  return undefined;
}

export const CLOUD_TAG_RULES = {
  aws: {
    cloud: 'AWS',
    noun: 'tag',
    maxPerResource: 50,
    // A control-plane group: Name, kubernetes.io/cluster/<name>, hoist.dev/cluster, hoist.dev/role,
    // hoist.dev/instancegroup, k8s.io/role/control-plane and k8s.io/role/master.
    ownPerResource: 7,
    ownPerNodeLabel: 1,
    keyProblem: (key) =>
      key.toLowerCase().startsWith('aws:') ? { message: 'starts with "aws:", which AWS keeps for itself', fix: 'use another prefix, e.g. example.com/' } : awsText('key', key, AWS_KEY_MAX),
    valueProblem: (value) => awsText('value', value, AWS_VALUE_MAX),
  },
  gce: {
    cloud: 'GCE',
    noun: 'label',
    maxPerResource: 64,
    // An etcd disk (ownership twice, role, etcd cluster and member), or an instance during a roll
    // (ownership twice, role, instance group, detached).
    ownPerResource: 5,
    ownPerNodeLabel: 0,
    keyProblem: (key) => gceText('key', key),
    valueProblem: (value) => gceText('value', value),
  },
} as const satisfies Partial<Record<CloudProvider, CloudTagRules>>;

/** Tags hoist writes itself to find what it owns; a user value would break ownership. */
function reserved(key: string): boolean {
  return key === CLUSTER_LABEL || key === 'KubernetesCluster' || key.startsWith(AWS_OWNERSHIP_TAG_PREFIX) || key === 'hoist-dev-cluster' || key.startsWith('kubernetes-io-cluster-');
}

function rulesOf(cloud: CloudProvider): CloudTagRules | undefined {
  return (CLOUD_TAG_RULES as Partial<Record<CloudProvider, CloudTagRules>>)[cloud];
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

export function cloudLabelProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[]): FieldProblem[] {
  const rules = rulesOf(cluster.spec.cloudProvider);
  const clusterAt = (...p: Path) => formatPath(['spec', 'cloudLabels', ...p]);
  const clusterLabels = cluster.spec.cloudLabels ?? {};
  const problems = labelProblems(clusterLabels, rules, clusterAt);
  if (cluster.spec.cloudProvider === 'aws') problems.push(...awsNameProblems(cluster.metadata.name));
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
    if (cluster.spec.cloudProvider === 'aws') problems.push(...awsNodeLabelProblems(nodeLabels, (...p) => at('nodeLabels', ...p)));
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

/** hoist's own AWS tags built from spec text must fit AWS's key length too. */
function awsNameProblems(name: string): FieldProblem[] {
  const max = AWS_KEY_MAX - AWS_OWNERSHIP_TAG_PREFIX.length;
  if (chars(name) <= max) return [];
  return [{ path: 'metadata.name', value: name, message: `is ${chars(name)} characters long; on aws at most ${max}, as every resource is tagged ${AWS_OWNERSHIP_TAG_PREFIX}<name> and AWS tag keys hold at most ${AWS_KEY_MAX}`, fix: 'use a shorter name' }];
}

function awsNodeLabelProblems(keys: readonly string[], at: (...p: Path) => string): FieldProblem[] {
  return keys.flatMap((key) => {
    const tag = `${AWS_NODE_LABEL_TAG_PREFIX}${key}`;
    if (chars(tag) <= AWS_KEY_MAX) return [];
    return [{ path: at(key), value: key, message: `becomes the AWS tag ${tag}, which is ${chars(tag)} characters long; AWS tag keys hold at most ${AWS_KEY_MAX}`, fix: `use a key of at most ${AWS_KEY_MAX - AWS_NODE_LABEL_TAG_PREFIX.length} characters` }];
  });
}
