/**
 * PATCH: JSON merge patch, strategic merge patch and server-side apply
 * (`application/apply-patch+yaml`), each made of a read, the patch and a conditional write
 * (retried when someone else wrote in between and the patch did not name a resourceVersion).
 */

import { applyConflicts, droppedFields, fieldPaths, managedEntries, reassign, removeAt } from './managed-fields.js';
import { timestamp } from './objects.js';
import { jsonMergePatch, strategicMergePatch } from './patch.js';
import type { Registry, WriteOptions } from './registry.js';
import { groupVersion } from './resources.js';
import type { Resource } from './resources.js';
import { ApiError, badRequest, invalid } from './status.js';
import type { KubeObject } from './storage.js';

export type PatchType = 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]?.trim();
  switch (type) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (not ${JSON.stringify(type ?? '')})`);
  }
}

export interface PatchOptions extends WriteOptions {
  readonly force?: boolean;
}

const clone = <T>(v: T): T => structuredClone(v);

/** Patches an object; `created` when server-side apply made it. */
export async function patchObject(registry: Registry, r: Resource, namespace: string | undefined, name: string, type: PatchType, patch: KubeObject, opts: PatchOptions): Promise<{ object: KubeObject; created: boolean }> {
  if (type === 'apply') return apply(registry, r, namespace, name, patch, opts);
  const namesVersion = patch.metadata?.resourceVersion !== undefined;
  const object = await registry.update(
    r,
    namespace,
    name,
    (current) => {
      // Patched on a copy: the patch functions share the untouched parts of their input.
      const base = clone(current);
      const next = (type === 'merge' ? jsonMergePatch(base, patch) : strategicMergePatch(base, patch)) as KubeObject;
      if (!namesVersion && next.metadata !== undefined) delete next.metadata.resourceVersion;
      return next;
    },
    opts,
  );
  return { object, created: false };
}

function conflictError(conflicts: readonly { manager: string; apiVersion: string; field: string }[]): ApiError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`);
  const message = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0] ?? ''}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field })),
  });
}

async function apply(registry: Registry, r: Resource, namespace: string | undefined, name: string, applied: KubeObject, opts: PatchOptions): Promise<{ object: KubeObject; created: boolean }> {
  if (opts.fieldManager === '') throw invalid(r, name, 'fieldManager', 'Required value: is required for apply patch');
  if (applied.apiVersion !== groupVersion(r) || applied.kind !== r.kind) {
    throw badRequest(`an apply patch must name apiVersion ${groupVersion(r)} and kind ${r.kind} (it names ${String(applied.apiVersion)} ${String(applied.kind)})`);
  }
  if (applied.metadata?.name !== undefined && applied.metadata.name !== name) throw badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`);
  const skipStatus = opts.subresource !== 'status' && (r.subresources ?? []).includes('status');
  const now = timestamp(opts.now ?? new Date());
  const ownership = (current: KubeObject) =>
    reassign(managedEntries(current), opts.fieldManager, 'Apply', groupVersion(r), fieldPaths(applied, skipStatus), now, opts.subresource);
  const existing = await registry.find(r, namespace, name);
  if (existing === undefined) {
    const object = await registry.create(r, namespace, { ...clone(applied), metadata: { ...(applied.metadata ?? {}), name } }, { ...opts, managedFields: () => ownership({}) });
    return { object, created: true };
  }
  const object = await registry.update(
    r,
    namespace,
    name,
    (current) => {
      const conflicts = applyConflicts(current, applied, opts.fieldManager, skipStatus);
      if (conflicts.length > 0 && opts.force !== true) throw conflictError(conflicts);
      const base = clone(current);
      for (const p of droppedFields(current, applied, opts.fieldManager, skipStatus)) removeAt(base, p);
      const next = strategicMergePatch(base, applied) as KubeObject;
      if (applied.metadata?.resourceVersion === undefined && next.metadata !== undefined) delete next.metadata.resourceVersion;
      return next;
    },
    { ...opts, managedFields: (current) => ownership(current) },
  );
  return { object, created: false };
}
