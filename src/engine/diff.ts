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

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

/** `a.b` for plain keys, `a["hoist.dev/role"]` for keys with dots or slashes (tag names). */
function fieldPath(prefix: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${prefix}[${JSON.stringify(key)}]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

/**
 * Replaces every Ref in a value by its value; UNKNOWN if any is not known yet. A value without
 * Refs is returned as it is (most are: copying each one cost a plan of 200 groups more than the
 * comparison itself); inputs are never changed either way.
 */
export function resolveValue(v: Value, resolve: RefResolver): Maybe {
  if (typeof v !== 'object' || v === null) return v;
  if (isRef(v)) return resolve(v) ?? UNKNOWN;
  if (Array.isArray(v)) {
    const items = v as readonly Value[];
    let out: Resolved[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const x = resolveValue(items[i]!, resolve);
      if (x === UNKNOWN) return UNKNOWN;
      if (out === undefined && x !== items[i]) out = items.slice(0, i) as Resolved[];
      out?.push(x);
    }
    return out ?? (items as readonly Resolved[]);
  }
  const fields = v as Fields;
  let out: Record<string, Resolved> | undefined;
  const keys = Object.keys(fields);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = resolveValue(fields[k]!, resolve);
    if (x === UNKNOWN) return UNKNOWN;
    if (out === undefined && x !== fields[k]) {
      out = {};
      for (const before of keys.slice(0, i)) out[before] = fields[before] as Resolved;
    }
    if (out !== undefined) out[k] = x;
  }
  return out ?? (fields as ResolvedFields);
}

/** Resolves every field; throws if a Ref is still unknown (apply resolves after dependencies ran). */
export function resolveFields(desired: Fields, resolve: RefResolver): ResolvedFields {
  const r = resolveValue(desired, resolve);
  if (r === UNKNOWN) throw new Error('a reference is not resolved: its task has not been applied');
  // A copy, as before resolveValue shared what has no Ref: what a task's create or update is given is its own.
  return structuredClone(r) as ResolvedFields;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isRef(v);
}
