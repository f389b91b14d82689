/**
 * Applying one addon, as `kubectl apply --server-side --force-conflicts --prune -l` would:
 * every object of the manifest in order, then what the addon had and no longer has is deleted.
 * "What it had" is every object carrying the addon's label, of every kind the addon's manifest
 * holds now or held at its last apply (the record keeps those objects), plus the recorded
 * objects themselves (a label a user removed does not keep an object alive).
 */

import { ADDON_NAME_LABEL } from './channel.js';
import type { AddonKube } from './kube.js';
import type { AddonObject, ObjectRef } from './manifest.js';
import { describeRef, refKey } from './manifest.js';

export interface AddonApplyResult {
  /** The objects as the cluster names them (namespaced ones with their namespace). */
  readonly applied: readonly ObjectRef[];
  /** Each failed object: `Kind/namespace/name: the API server's message`. */
  readonly errors: readonly string[];
  readonly pruned: readonly ObjectRef[];
}

/** Applies every object (on past a failed one, as kubectl does); prunes only when all applied. */
export async function applyAddon(kube: AddonKube, addon: string, objects: readonly AddonObject[], previous: readonly ObjectRef[]): Promise<AddonApplyResult> {
  const applied: ObjectRef[] = [];
  const errors: string[] = [];
  for (const o of objects) {
    try {
      applied.push(await kube.apply(o));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  // A failed apply prunes nothing: the objects that failed may be the ones that replace the old.
  if (errors.length > 0) return { applied, errors, pruned: [] };
  const pruned = await prune(kube, addon, applied, previous);
  return { applied, errors, pruned };
}

/** Deletes the addon's objects that are not in `keep`; with `keep` empty, all of them. */
export async function prune(kube: AddonKube, addon: string, keep: readonly ObjectRef[], previous: readonly ObjectRef[]): Promise<ObjectRef[]> {
  const kept = new Set(keep.map(refKey));
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const r of [...keep, ...previous]) kinds.set(`${r.apiVersion}|${r.kind}`, { apiVersion: r.apiVersion, kind: r.kind });
  const candidates = new Map<string, ObjectRef>(previous.map((r) => [refKey(r), r]));
  const labelled = new Set<string>();
  for (const { apiVersion, kind } of kinds.values()) {
    for (const r of await kube.labelled(addon, apiVersion, kind)) {
      candidates.set(refKey(r), r);
      labelled.add(refKey(r));
    }
  }
  const gone: ObjectRef[] = [];
  for (const r of [...candidates.values()].filter((c) => !kept.has(refKey(c)))) {
    // A recorded object that now carries another addon's label moved to it (a user addon's
    // CRDs that a builtin addon took over): that addon keeps it.
    if (!labelled.has(refKey(r)) && (await movedAway(kube, addon, r))) continue;
    gone.push(r);
  }
  // Namespaces and CRDs last: deleting them first would take what they hold with them unrecorded.
  const last = (r: ObjectRef): number => (r.kind === 'Namespace' ? 2 : r.kind === 'CustomResourceDefinition' ? 1 : 0);
  gone.sort((a, b) => last(a) - last(b));
  for (const r of gone) await kube.delete(r);
  return gone;
}

async function movedAway(kube: AddonKube, addon: string, r: ObjectRef): Promise<boolean> {
  const owner = (await kube.read(r))?.metadata?.labels?.[ADDON_NAME_LABEL];
  return owner !== undefined && owner !== addon;
}

export const describeRefs = (refs: readonly ObjectRef[]): string => refs.map(describeRef).join(', ');
