/**
 * Turns zod issues into FieldProblems that say what is wrong and how to fix it, in words a
 * user of the YAML understands (no "expected string, received number").
 */

import { closest, distance } from 'fastest-levenshtein';
import type * as z from 'zod';
import type { FieldProblem } from '../errors.js';
import { movedApiServerOidcFix } from './auth-cloud.js';
import { formatPath } from './paths.js';
import { InstanceGroupSchema, UNSUPPORTED_ROLES } from './schema.js';
import type { Path, PathSegment } from './paths.js';
import { docsOf, enumValues, objectShape, schemaAt, typeName } from './zod-walk.js';

/** A problem and the path (inside the document) it is about, before its position is known. */
export interface LocalProblem {
  readonly at: Path;
  /** Point at the key rather than the value (unknown fields). */
  readonly atKey?: boolean;
  readonly problem: Omit<FieldProblem, 'path'>;
}

/**
 * `written` gives a value as the source wrote it, where the source is text: a number is quoted as
 * written (`1.30`, not `1.3`), and `.nan` or `1e400` are named as written, not as JSON's `null`.
 */
export function issueProblems(issue: z.core.$ZodIssue, root: z.ZodType, input: unknown, written: (at: Path) => string | undefined = () => undefined): LocalProblem[] {
  const at = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const value = valueAt(input, at);
  const field = at.length === 0 ? 'the document' : `\`${formatPath(at)}\``;
  const schema = schemaAt(root, at);
  const example = schema ? exampleOf(schema) : undefined;
  const missing = value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union');
  if (missing) {
    return [{ at, problem: { message: `${field} is required`, fix: example ? `add it, e.g. ${formatPath(at.slice(-1))}: ${example}` : 'add it' } }];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownField(root, [...at, key]));
    case 'invalid_type': {
      const expected = issue.expected === 'int' || (schema && typeName(schema) === 'integer') ? 'an integer' : article(issue.expected);
      const quote = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean');
      const text = written(at) ?? String(value);
      if (typeof value === 'number' && !Number.isFinite(value)) return [{ at, problem: notFinite(value, text, quote ? undefined : expected, at, example) }];
      const fix = quote ? `quote it: "${text}"` : example ? `e.g. ${example}` : `write ${expected} here`;
      return [{ at, problem: { value, message: `must be ${expected}, not ${describe(value)}`, fix } }];
    }
    case 'invalid_value': {
      const unsupportedRole = root === InstanceGroupSchema && formatPath(at) === 'spec.role' && typeof value === 'string' ? UNSUPPORTED_ROLES[value] : undefined;
      if (unsupportedRole) return [{ at, problem: { value, ...unsupportedRole } }];
      const allowed = issue.values.map(String);
      const guess = typeof value === 'string' ? nearest(value, allowed) : undefined;
      const list = allowed.join(', ');
      return [{ at, problem: { value, message: `must be one of: ${list}`, fix: guess ? `did you mean ${guess}?` : `use one of: ${list}` } }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      // An exclusive bound (`positive()`): "above 0", not "at least 0", which 0 would satisfy.
      const word = issue.inclusive === false ? (issue.code === 'too_small' ? 'above' : 'below') : issue.code === 'too_small' ? 'at least' : 'at most';
      const what = issue.origin === 'array' ? `have ${word} ${bound} items` : issue.origin === 'string' ? `be ${word} ${bound} characters long` : `be ${word} ${bound}`;
      return [{ at, problem: { value, message: `must ${what}`, fix: example ? `e.g. ${example}` : `use a value that is ${word} ${bound}` } }];
    }
    case 'invalid_format':
    case 'invalid_union':
      return [{ at, problem: { value, message: 'has the wrong form', fix: example ? `e.g. ${example}` : 'see the spec reference' } }];
    default:
      return [{ at, problem: { value, message: issue.message, fix: 'see docs/spec-reference.md for this field' } }];
  }
}

/**
 * YAML reads `.nan`, `.inf` and numbers too large for a double (`1e400`) as NaN and Infinity,
 * which print as `null`: say what was written and what it became. `expected` is undefined where
 * text was expected.
 */
function notFinite(value: number, text: string, expected: string | undefined, at: Path, example: string | undefined): LocalProblem['problem'] {
  const what = Number.isNaN(value)
    ? `is not a number (YAML reads ${text} as "not a number")`
    : /^[-+]?\.inf$/i.test(text)
      ? 'is infinite'
      : 'is too large: it is beyond what a number can hold';
  const field = formatPath(at.slice(-1));
  if (expected === undefined) return { message: `${text} ${what}, and this field is text`, fix: `quote it: "${text}"` };
  const whole = expected === 'an integer' ? 'a whole number' : 'a number';
  return { message: `${text} ${what}; it must be ${expected}`, fix: `write ${whole}, e.g. ${field}: ${example ?? 3}` };
}

/** "unknown field `spec.netwrokCIDR`", with the nearest known sibling as a suggestion. */
function unknownField(root: z.ZodType, at: Path): LocalProblem {
  const key = String(at[at.length - 1]);
  const parent = schemaAt(root, at.slice(0, -1));
  const known = parent ? Object.keys(objectShape(parent) ?? {}) : [];
  const guess = nearest(key, known);
  // kops's oidc fields that hoist keeps in authentication.oidc: a near name would mislead.
  const moved = at.length === 3 && at[0] === 'spec' && at[1] === 'kubeAPIServer' ? movedApiServerOidcFix(key) : undefined;
  const near = guess ? `did you mean \`${guess}\`?` : known.length > 0 ? `remove it; the fields here are: ${known.join(', ')}` : 'remove it';
  const fix = moved ?? near;
  return { at, atKey: true, problem: { message: `unknown field \`${formatPath(at)}\``, fix } };
}

/** The closest candidate if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = word.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same) return same;
  const best = closest(lower, candidates.map((c) => c.toLowerCase()));
  const index = candidates.findIndex((c) => c.toLowerCase() === best);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(lower, best) <= limit ? candidates[index] : undefined;
}

function exampleOf(schema: z.ZodType): string | undefined {
  const values = enumValues(schema);
  if (values && values.length > 0) return values.join(', ');
  const example = docsOf(schema).examples?.[0];
  return example === undefined ? undefined : JSON.stringify(example);
}

export function valueAt(input: unknown, path: Path): unknown {
  let v = input;
  for (const segment of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathSegment, unknown>)[segment];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return article(typeof value);
}

function article(word: string): string {
  const w = word === 'object' ? 'mapping' : word === 'array' ? 'list' : word;
  return /^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`;
}
