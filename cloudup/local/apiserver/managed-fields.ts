/**
 * Field ownership for server-side apply, simplified but honest: a field is a path of map keys
 * down to a leaf (a scalar, a list, or an empty map); lists are owned whole (atomic), where
 * the real API server tracks list items by merge key. Each manager's fields are kept in
 * `metadata.managedFields` as FieldsV1 (`{"f:data":{"f:key":{}}}`), one entry per manager and
 * operation. An apply that changes a field another manager owns is a conflict unless forced;
 * fields a manager applied before and no longer applies are removed when no one else owns them.
 */

import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './storage.js';

type Path = readonly string[];
type JsonMap = Record<string, unknown>;

export interface ManagedEntry {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly time: string;
  readonly fieldsType: 'FieldsV1';
  readonly fieldsV1: JsonMap;
  readonly subresource?: string;
}

const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields the server owns: never anyone's, never compared. */
const SERVER_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']);

export function fieldPaths(object: unknown, skipStatus: boolean): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: Path): void => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    } else out.push(path);
  };
  if (!isMap(object)) return out;
  for (const [k, v] of Object.entries(object)) {
    if (k === 'apiVersion' || k === 'kind' || (skipStatus && k === 'status')) continue;
    if (k === 'metadata' && isMap(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!SERVER_METADATA.has(mk)) walk(mv, ['metadata', mk]);
    } else walk(v, [k]);
  }
  return out;
}

export function valueAt(object: unknown, path: Path): unknown {
  let at = object;
  for (const key of path) {
    if (!isMap(at)) return undefined;
    at = at[key];
  }
  return at;
}

/** Removes the field and any map it leaves empty. */
export function removeAt(object: JsonMap, path: Path): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    delete object[head];
    return;
  }
  const child = object[head];
  if (!isMap(child)) return;
  removeAt(child, rest);
  if (Object.keys(child).length === 0) delete object[head];
}

export function toFieldsV1(paths: readonly Path[]): JsonMap {
  const root: JsonMap = {};
  for (const path of paths) {
    let at = root;
    for (const key of path) {
      const next = (at[`f:${key}`] ??= {}) as JsonMap;
      at = next;
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown): Path[] {
  const out: Path[] = [];
  const walk = (node: unknown, path: Path): void => {
    const keys = isMap(node) ? Object.keys(node).filter((k) => k.startsWith('f:')) : [];
    if (keys.length === 0) {
      if (path.length > 0) out.push(path);
      return;
    }
    for (const k of keys) walk((node as JsonMap)[k], [...path, k.slice(2)]);
  };
  walk(fields, []);
  return out;
}

const key = (p: Path): string => JSON.stringify(p);
/** Whether owning `a` and touching `b` overlap: one is the other or lies inside it. */
const overlaps = (a: Path, b: Path): boolean => a.length <= b.length ? a.every((k, i) => b[i] === k) : b.every((k, i) => a[i] === k);

export function managedEntries(object: KubeObject | undefined): ManagedEntry[] {
  const list = object?.metadata?.managedFields;
  return Array.isArray(list) ? (list as ManagedEntry[]) : [];
}

export interface Conflict {
  readonly manager: string;
  readonly apiVersion: string;
  readonly field: string;
}

export const formatField = (p: Path): string => `.${p.join('.')}`;

/** The fields of `applied` whose value differs from `live` and that another manager owns. */
export function applyConflicts(live: KubeObject, applied: KubeObject, manager: string, skipStatus: boolean): Conflict[] {
  const conflicts: Conflict[] = [];
  const paths = fieldPaths(applied, skipStatus).filter((p) => !isDeepStrictEqual(valueAt(applied, p), valueAt(live, p)));
  for (const entry of managedEntries(live)) {
    if (entry.manager === manager) continue;
    const owned = fromFieldsV1(entry.fieldsV1);
    for (const p of paths) {
      const hit = owned.find((o) => overlaps(o, p));
      if (hit !== undefined) conflicts.push({ manager: entry.manager, apiVersion: entry.apiVersion, field: formatField(hit) });
    }
  }
  return conflicts;
}

/**
 * The managedFields after `manager` took `paths` with `operation`: its entry for that operation
 * holds exactly `paths` (apply) or gains them (update); every other entry loses what overlaps.
 */
export function reassign(entries: readonly ManagedEntry[], manager: string, operation: 'Apply' | 'Update', apiVersion: string, paths: readonly Path[], now: string, subresource?: string): ManagedEntry[] {
  const taken = paths;
  const out: ManagedEntry[] = [];
  let mine: Path[] = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '')) {
      mine = fromFieldsV1(e.fieldsV1);
      continue;
    }
    const left = fromFieldsV1(e.fieldsV1).filter((o) => !taken.some((t) => overlaps(o, t)));
    if (left.length > 0) out.push({ ...e, fieldsV1: toFieldsV1(left) });
  }
  const kept = operation === 'Apply' ? [] : mine.filter((o) => !taken.some((t) => overlaps(o, t)));
  const all = [...kept, ...taken];
  if (all.length > 0) {
    out.push({ manager, operation, apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(all), ...(subresource === undefined ? {} : { subresource }) });
  }
  return out;
}

/** Paths whose value differs between two versions of an object (added, changed or removed). */
export function changedPaths(before: KubeObject | undefined, after: KubeObject, skipStatus: boolean): Path[] {
  const seen = new Set<string>();
  const out: Path[] = [];
  for (const p of fieldPaths(after, skipStatus)) {
    if (!isDeepStrictEqual(valueAt(before, p), valueAt(after, p))) {
      seen.add(key(p));
      out.push(p);
    }
  }
  return out;
}

/** Fields `manager` applied before and applies no more, that no other manager owns: the apply removes them. */
export function droppedFields(live: KubeObject, applied: KubeObject, manager: string, skipStatus: boolean): Path[] {
  const now = new Set(fieldPaths(applied, skipStatus).map(key));
  const entries = managedEntries(live);
  const before = entries.filter((e) => e.manager === manager && e.operation === 'Apply').flatMap((e) => fromFieldsV1(e.fieldsV1));
  const others = entries.filter((e) => !(e.manager === manager && e.operation === 'Apply')).flatMap((e) => fromFieldsV1(e.fieldsV1));
  return before.filter((p) => !now.has(key(p)) && !others.some((o) => overlaps(o, p)));
}
