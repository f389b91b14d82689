/**
 * `--set path=value` and `--unset path` (kops's flags of `edit` and `create cluster`): changes of
 * single fields under `spec`, made on a copy of the object. The value is YAML (`true`, `3`,
 * `[a, b]`, `{k: v}`), but a field that holds text keeps text (`1.35` stays "1.35"); quote to
 * force text. What the change means is checked afterwards by the spec's own validation.
 */

import { parse } from 'yaml';
import { parseSpecText, toYaml } from '../../api/index.js';
import type { Cluster, InstanceGroup } from '../../api/index.js';
import type { FieldProblem } from '../../errors.js';
import { HoistError, ValidationError } from '../../errors.js';
import { SPEC_RULES } from '../../../cloudup/providers.js';

type Segment = string | number;

/** `spec.subnets[1].cidr` → ['spec', 'subnets', 1, 'cidr']; undefined when it is not a path. */
export function parseFieldPath(path: string): Segment[] | undefined {
  if (!/^[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*$/.test(path)) return undefined;
  return path.split('.').flatMap((part) => {
    const [name = '', ...indexes] = part.split('[');
    return [name, ...indexes.map((i) => Number(i.slice(0, -1)))];
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function clone<T>(v: T): T {
  return structuredClone(v);
}

function valueOf(text: string, current: unknown): unknown {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch {
    return text;
  }
  // A field that holds text keeps text: `--set spec.kubernetesVersion=1.35` means "1.35".
  if (typeof current === 'string' && typeof parsed !== 'string') return text;
  return parsed ?? text;
}

/** What a problem names as the source of a bad assignment: the flag, or the command's arguments. */
export interface SetLabels {
  readonly set: string;
  readonly unset: string;
}

const FLAGS: SetLabels = { set: '--set', unset: '--unset' };

/**
 * Applies the flags to a copy of `object` (never the input). Every bad flag is reported at once,
 * with the flag (or `labels.set`/`labels.unset`), the value and the fix.
 */
export function setFields<T extends object>(object: T, sets: readonly string[], unsets: readonly string[], labels: SetLabels = FLAGS): T {
  const out = clone(object) as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const pathOf = (flag: string, raw: string, path: string): Segment[] | undefined => {
    const segments = parseFieldPath(path);
    if (segments === undefined) {
      problems.push({ path: flag, value: raw, message: `names no field: ${JSON.stringify(path)} is not a field path`, fix: 'e.g. spec.kubernetesVersion or spec.subnets[0].cidr' });
      return undefined;
    }
    if (segments[0] !== 'spec' || segments.length < 2) {
      problems.push({ path: flag, value: raw, message: 'names a field outside spec', fix: 'only fields under spec can be set, e.g. spec.kubernetesVersion' });
      return undefined;
    }
    return segments;
  };
  for (const raw of sets) {
    const eq = raw.indexOf('=');
    if (eq < 0) {
      problems.push({ path: labels.set, value: raw, message: 'has no value', fix: 'write path=value, e.g. spec.kubernetesVersion=1.35.0' });
      continue;
    }
    const segments = pathOf(labels.set, raw, raw.slice(0, eq));
    if (segments === undefined) continue;
    const problem = assign(out, segments, raw.slice(eq + 1));
    if (problem !== undefined) problems.push({ path: labels.set, value: raw, message: problem });
  }
  for (const raw of unsets) {
    const segments = pathOf(labels.unset, raw, raw);
    if (segments === undefined) continue;
    const problem = remove(out, segments);
    if (problem !== undefined) problems.push({ path: labels.unset, value: raw, message: problem, fix: 'name a field the object has (hoist get ... -o yaml shows them)' });
  }
  if (problems.length > 0) throw new ValidationError('the command line', problems, 'INVALID_FLAG');
  return out as T;
}

function assign(root: Record<string, unknown>, segments: readonly Segment[], text: string): string | undefined {
  let node: unknown = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i]!;
    const next = segments[i + 1]!;
    const container = node as Record<string, unknown> & unknown[];
    if (typeof key === 'number' ? !Array.isArray(node) : !isRecord(node)) return `cannot be set: ${segments.slice(0, i).join('.') || 'spec'} is not ${typeof key === 'number' ? 'a list' : 'an object'}`;
    if (typeof key === 'number' && key > (node as unknown[]).length) return `cannot be set: index ${key} is past the end of a list of ${(node as unknown[]).length}`;
    container[key as never] ??= (typeof next === 'number' ? [] : {}) as never;
    node = container[key as never];
  }
  const last = segments[segments.length - 1]!;
  if (typeof last === 'number') {
    if (!Array.isArray(node)) return 'cannot be set: its parent is not a list';
    if (last > node.length) return `cannot be set: index ${last} is past the end of a list of ${node.length}`;
    node[last] = valueOf(text, node[last]);
    return undefined;
  }
  if (!isRecord(node)) return 'cannot be set: its parent is not an object';
  node[last] = valueOf(text, node[last]);
  return undefined;
}

function remove(root: Record<string, unknown>, segments: readonly Segment[]): string | undefined {
  let node: unknown = root;
  for (const key of segments.slice(0, -1)) {
    node = Array.isArray(node) && typeof key === 'number' ? node[key] : isRecord(node) && typeof key === 'string' ? node[key] : undefined;
    if (node === undefined) return 'is not set';
  }
  const last = segments[segments.length - 1]!;
  if (Array.isArray(node) && typeof last === 'number' && last < node.length) {
    node.splice(last, 1);
    return undefined;
  }
  if (isRecord(node) && typeof last === 'string' && last in node) {
    delete node[last];
    return undefined;
  }
  return 'is not set';
}

/**
 * `setFields` on a spec object, then through the text parser as an edit in the editor goes (the
 * schema refuses unknown fields); its problems lose the lines of a text the user never saw.
 */
export function setSpecFields<T extends Cluster | InstanceGroup>(object: T, sets: readonly string[], unsets: readonly string[], subject: string, labels: SetLabels = FLAGS): T {
  const changed = setFields(object, sets, unsets, labels);
  try {
    const doc = parseSpecText(toYaml(changed, { schemaComment: false }), subject, SPEC_RULES)[0];
    if (doc === undefined) throw new HoistError('INTERNAL', `${subject} did not parse back`);
    return doc.object as T;
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(subject, e.problems.map(({ line: _line, column: _column, ...p }) => p), e.code);
  }
}
