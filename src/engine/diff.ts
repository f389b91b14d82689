/**
 * Field-level differences between what a task desires and what is live.
 *
 * A field the task does not set is "don't care": it is never compared. Objects are compared
 * field by field under the same rule; arrays and scalars as whole values. A Ref that cannot be
 * resolved yet (its object is about to be created or replaced) is a change whose new value is
 * "known after apply". Inputs are never mutated.
 */

import { isDeepStrictEqual } from 'node:util';
import type { FieldChange } from './plan.js';
import type { Fields, Ref, Resolved, ResolvedFields, Value } from './task.js';
import { isRef } from './task.js';

/** Resolves a Ref to its value, or returns undefined when it is not known yet. */
export type RefResolver = (r: Ref) => Resolved | undefined;

export const UNKNOWN: unique symbol = Symbol('known after apply');
type Maybe = Resolved | typeof UNKNOWN;

export function diffFields(desired: Fields, live: ResolvedFields | undefined, resolve: RefResolver): FieldChange[] {
  const out: FieldChange[] = [];
  walk(desired, live ?? {}, '', resolve, out);
  return out;
}

function walk(desired: Fields, live: ResolvedFields, prefix: string, resolve: RefResolver, out: FieldChange[]): void {
  for (const key of Object.keys(desired).sort()) {
    const want = desired[key]!;
    const have = live[key];
    const path = fieldPath(prefix, key);
    if (isPlainObject(want)) {
      walk(want as Fields, isPlainObject(have) ? (have as ResolvedFields) : {}, path, resolve, out);
      continue;
    }
    const resolved = resolveValue(want, resolve);
    if (resolved === UNKNOWN) out.push({ path, ...(have === undefined ? {} : { before: have }), after: want });
    else if (!isDeepStrictEqual(resolved, have)) out.push({ path, ...(have === undefined ? {} : { before: have }), after: resolved });
  }
}

/** `a.b` for plain keys, `a["hoist.dev/role"]` for keys with dots or slashes (tag names). */
function fieldPath(prefix: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${prefix}[${JSON.stringify(key)}]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

/** Replaces every Ref in a value by its value; UNKNOWN if any is not known yet. */
export function resolveValue(v: Value, resolve: RefResolver): Maybe {
  if (isRef(v)) return resolve(v) ?? UNKNOWN;
  if (Array.isArray(v)) {
    const items = (v as readonly Value[]).map((x) => resolveValue(x, resolve));
    return items.includes(UNKNOWN) ? UNKNOWN : (items as Resolved[]);
  }
  if (isPlainObject(v)) {
    const entries = Object.entries(v as Fields).map(([k, x]) => [k, resolveValue(x, resolve)] as const);
    return entries.some(([, x]) => x === UNKNOWN) ? UNKNOWN : (Object.fromEntries(entries) as ResolvedFields);
  }
  return v as Resolved;
}

/** Resolves every field; throws if a Ref is still unknown (apply resolves after dependencies ran). */
export function resolveFields(desired: Fields, resolve: RefResolver): ResolvedFields {
  const r = resolveValue(desired, resolve);
  if (r === UNKNOWN) throw new Error('a reference is not resolved: its task has not been applied');
  return r as ResolvedFields;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isRef(v);
}
