/**
 * Two forms of spec file kubectl and kops users write: a `kind: List` (its `items` are read as
 * documents of their own), and other Kubernetes kinds next to the Cluster (kops's additional
 * objects, e.g. a KubeSchedulerConfiguration), which are kept in the Cluster's
 * spec.additionalObjects and applied with the addons.
 */

import type { FieldProblem } from '../errors.js';
import { KOPS_API_VERSION } from './kops.js';
import type { Path } from './paths.js';
import { API_VERSION, KINDS } from './schema.js';
import type { Kind } from './schema.js';

/** One document's value, and where it sits in its YAML document (`['items', 2]` in a List). */
export interface Located<T> {
  readonly value: unknown;
  readonly base: Path;
  readonly from: T;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A List's items in its place; anything else as it is. */
export function expandLists<T>(values: readonly { readonly value: unknown; readonly from: T }[]): Located<T>[] {
  return values.flatMap(({ value, from }) => {
    if (isMapping(value) && value['kind'] === 'List' && Array.isArray(value['items'])) {
      return value['items'].map((item: unknown, i) => ({ value: item, base: ['items', i], from }));
    }
    return [{ value, base: [], from }];
  });
}

/**
 * A Kubernetes object of another kind than hoist's and kops's own (those are read, or refused
 * with a clear message, by the parser).
 */
export function isAdditionalObject(value: unknown): value is Record<string, unknown> {
  if (!isMapping(value)) return false;
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '' || (!apiVersion.includes('/') && apiVersion !== 'v1')) return false;
  if (apiVersion === API_VERSION || apiVersion === KOPS_API_VERSION || KINDS.includes(kind as Kind)) return false;
  // An API object names itself; a component configuration has no metadata at all.
  return metadata === undefined || (isMapping(metadata) && typeof metadata['name'] === 'string' && metadata['name'] !== '');
}

/**
 * The documents with the additional objects added to the text's one Cluster; with none or
 * several Clusters, a problem at each object (they belong to a cluster).
 */
export function withAdditionalObjects<D extends { readonly kind: string; readonly object: { readonly spec: object } }>(
  docs: readonly D[],
  objects: readonly { readonly object: Record<string, unknown>; readonly line: number }[],
): { docs: D[]; problems: FieldProblem[] } {
  if (objects.length === 0) return { docs: [...docs], problems: [] };
  const clusters = docs.filter((d) => d.kind === 'Cluster');
  if (clusters.length !== 1) {
    return {
      docs: [...docs],
      problems: objects.map(({ object, line }) => ({
        path: 'kind',
        value: object['kind'],
        message: `is kept as an additional object of the file's Cluster, and the file has ${clusters.length === 0 ? 'no Cluster' : `${clusters.length} Clusters`}`,
        fix: 'put it in a file with exactly one Cluster document, or list it in a manifest of spec.addons',
        line,
        column: 1,
      })),
    };
  }
  return {
    docs: docs.map((d) => {
      if (d.kind !== 'Cluster') return d;
      const spec = d.object.spec as { readonly additionalObjects?: readonly unknown[] };
      return { ...d, object: { ...d.object, spec: { ...spec, additionalObjects: [...(spec.additionalObjects ?? []), ...objects.map((o) => o.object)] } } };
    }),
    problems: [],
  };
}

