/**
 * AWS's tag rules for the tags a spec's cloudLabels become, and the tags hoist builds from spec
 * text (the cluster's name, node label keys), checked before `update` so it never stops half-way
 * on a tag AWS refuses. No SDK: spec commands load this.
 */

import { OWNERSHIP_TAG_PREFIX, refusedCharacters, tagLength } from '../../src/api/index.js';
import type { CloudTagRules, Path } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

/** The cluster autoscaler reads a group's node labels from these tags (scale from zero). */
export const AWS_NODE_LABEL_TAG_PREFIX = 'k8s.io/cluster-autoscaler/node-template/label/';
const KEY_MAX = 128;
const VALUE_MAX = 256;
/** What IAM, Auto Scaling and ELB accept in tags (EC2 accepts more, the others do not). */
const CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function text(what: 'key' | 'value', value: string, max: number): Omit<FieldProblem, 'path' | 'value'> | undefined {
  if (tagLength(value) > max) return { message: `is ${tagLength(value)} characters long; AWS tag ${what}s hold at most ${max}`, fix: `shorten it to ${max} characters` };
  if (!CHARS.test(value)) {
    return { message: `has characters AWS refuses in tags (${refusedCharacters(value, /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u)})`, fix: 'use letters, digits, spaces and _ . : / = + - @' };
  }
  return undefined;
}

export const AWS_TAG_RULES: CloudTagRules = {
  cloud: 'AWS',
  noun: 'tag',
  maxPerResource: 50,
  // A control-plane group's launch template: Name, kubernetes.io/cluster/<name>, hoist.dev/cluster,
  // hoist.dev/role, hoist.dev/instancegroup, k8s.io/role/control-plane, k8s.io/role/master and
  // hoist.dev/version-hash (the template's only).
  ownPerResource: 8,
  ownPerNodeLabel: 1,
  keyProblem: (key) =>
    key.toLowerCase().startsWith('aws:') ? { message: 'starts with "aws:", which AWS keeps for itself', fix: 'use another prefix, e.g. example.com/' } : text('key', key, KEY_MAX),
  valueProblem: (value) => text('value', value, VALUE_MAX),
};

/** hoist's own AWS tags built from spec text must fit AWS's key length too. */
export function awsNameProblems(name: string): FieldProblem[] {
  const max = KEY_MAX - OWNERSHIP_TAG_PREFIX.length;
  if (tagLength(name) <= max) return [];
  return [{ path: 'metadata.name', value: name, message: `is ${tagLength(name)} characters long; on aws at most ${max}, as every resource is tagged ${OWNERSHIP_TAG_PREFIX}<name> and AWS tag keys hold at most ${KEY_MAX}`, fix: 'use a shorter name' }];
}

export function awsNodeLabelProblems(keys: readonly string[], at: (...p: Path) => string): FieldProblem[] {
  return keys.flatMap((key) => {
    const tag = `${AWS_NODE_LABEL_TAG_PREFIX}${key}`;
    if (tagLength(tag) <= KEY_MAX) return [];
    return [{ path: at(key), value: key, message: `becomes the AWS tag ${tag}, which is ${tagLength(tag)} characters long; AWS tag keys hold at most ${KEY_MAX}`, fix: `use a key of at most ${KEY_MAX - AWS_NODE_LABEL_TAG_PREFIX.length} characters` }];
  });
}
