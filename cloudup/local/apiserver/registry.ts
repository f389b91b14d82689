/**
 * The generic registry: get, list, create, update and delete of any resource of the table,
 * against etcd, with kube-apiserver's semantics: optimistic concurrency on resourceVersion
 * (409 when stale), namespaces that must exist, finalizers that hold a deletion until they
 * are removed, deleting a namespace deletes what it holds, and managedFields recording who
 * changed which fields (see managed-fields.ts).
 */

import { isCrd, loadCatalog, resourcesOf } from './custom-resources.js';
import { changedPaths, fieldPaths, managedEntries, reassign } from './managed-fields.js';
import type { ManagedEntry } from './managed-fields.js';
import { prepareCreate, prepareUpdate, timestamp } from './objects.js';
import { findResource, groupVersion, storageKey } from './resources.js';
import type { Resource } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { ApiError, alreadyExists, conflict, notFound } from './status.js';
import { continueAfter } from './storage.js';
import type { KubeObject, Storage } from './storage.js';

export interface ListQuery {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly revision: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface WriteOptions {
  readonly fieldManager: string;
  readonly dryRun?: boolean;
  readonly subresource?: string;
  readonly now?: Date;
  /** The managedFields of the result, when the caller decides them (server-side apply). */
  readonly managedFields?: (current: KubeObject, next: KubeObject) => readonly ManagedEntry[];
}

export interface DeleteOptions {
  readonly resourceVersion?: string;
  readonly uid?: string;
  readonly dryRun?: boolean;
}

const NAMESPACES = findResource('', 'v1', 'namespaces') as Resource;
const MAX_RETRIES = 8;
const nameOf = (o: KubeObject): string => String(o.metadata?.name ?? '');
const rvOf = (o: KubeObject): string => String(o.metadata?.resourceVersion ?? '');
const skipStatusOf = (r: Resource): boolean => (r.subresources ?? []).includes('status');

export class Registry {
  constructor(readonly storage: Storage) {}

  async get(r: Resource, namespace: string | undefined, name: string): Promise<KubeObject> {
    const object = await this.storage.get(storageKey(r, namespace, name));
    if (object === undefined) throw notFound(r, name);
    return object;
  }

  async find(r: Resource, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.storage.get(storageKey(r, namespace, name));
  }

  async list(r: Resource, namespace: string | undefined, q: ListQuery = {}): Promise<ListResult> {
    const prefix = storageKey(r, r.namespaced ? namespace : undefined);
    const matches = [labelMatcher(q.labelSelector), fieldMatcher(q.fieldSelector)];
    const filtered = (q.labelSelector ?? '') !== '' || (q.fieldSelector ?? '') !== '';
    if (!filtered) return this.storage.list(prefix, q);
    // With a selector, pages are filled with matching objects, reading on until `limit` are found.
    const limit = q.limit !== undefined && q.limit > 0 ? q.limit : 0;
    const items: KubeObject[] = [];
    let token = q.continue;
    let revision = '';
    for (;;) {
      const page = await this.storage.list(prefix, { ...(limit > 0 ? { limit: Math.max(limit, 100) } : {}), ...(token === undefined ? {} : { continue: token }) });
      revision = page.revision;
      for (const o of page.items) {
        if (!matches.every((m) => m(o))) continue;
        items.push(o);
        if (limit > 0 && items.length === limit) {
          const last = storageKey(r, o.metadata?.namespace as string | undefined, nameOf(o));
          const rest = page.items.indexOf(o) < page.items.length - 1 || page.continue !== undefined;
          return rest ? { items, revision, continue: continueAfter(revision, last) } : { items, revision };
        }
      }
      if (page.continue === undefined) return { items, revision };
      token = page.continue;
    }
  }

  async create(r: Resource, namespace: string | undefined, sent: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    if (r.namespaced) await this.requireNamespace(namespace ?? '');
    const now = opts.now ?? new Date();
    const object = prepareCreate(r, namespace, sent, now);
    const meta = object.metadata ?? {};
    meta.managedFields = opts.managedFields?.({}, object) ?? reassign([], opts.fieldManager, 'Update', groupVersion(r), fieldPaths(object, skipStatusOf(r)), timestamp(now));
    if (opts.dryRun === true) return object;
    const res = await this.storage.create(storageKey(r, namespace, nameOf(object)), object);
    if (!res.ok) throw alreadyExists(r, nameOf(object));
    return res.object;
  }

  /**
   * Replaces the object with what `change` makes of the current one. A resourceVersion in the
   * result that is not the current one is a 409; without one, a concurrent write is retried.
   */
  async update(r: Resource, namespace: string | undefined, name: string, change: (current: KubeObject) => KubeObject | Promise<KubeObject>, opts: WriteOptions): Promise<KubeObject> {
    const key = storageKey(r, namespace, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await this.storage.get(key);
      if (current === undefined) throw notFound(r, name);
      const sent = await change(current);
      const wanted = sent.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== '' && wanted !== rvOf(current)) throw conflict(r, name);
      const next = prepareUpdate(r, current, sent, opts.subresource);
      const now = timestamp(opts.now ?? new Date());
      const meta = next.metadata ?? {};
      meta.managedFields =
        opts.managedFields?.(current, next) ??
        reassign(managedEntries(current), opts.fieldManager, 'Update', groupVersion(r), changedPaths(current, next, opts.subresource !== 'status' && skipStatusOf(r)), now, opts.subresource);
      if (opts.dryRun === true) return next;
      if (meta.deletionTimestamp !== undefined && (!Array.isArray(meta.finalizers) || meta.finalizers.length === 0)) {
        const gone = await this.storage.delete(key, rvOf(current));
        if (gone.ok) return next;
      } else {
        const res = await this.storage.update(key, next, rvOf(current));
        if (res.ok) return res.object;
        if (res.why === 'missing') throw notFound(r, name);
      }
      if (wanted !== undefined && wanted !== '') throw conflict(r, name);
    }
    throw conflict(r, name);
  }

  async delete(r: Resource, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const key = storageKey(r, namespace, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await this.storage.get(key);
      if (current === undefined) throw notFound(r, name);
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== rvOf(current)) {
        throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${name}": the ResourceVersion in the precondition (${opts.resourceVersion}) does not match the ResourceVersion in record (${rvOf(current)}). The object might have been modified`);
      }
      if (opts.uid !== undefined && opts.uid !== current.metadata?.uid) {
        throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${name}": the UID in the precondition (${opts.uid}) does not match the UID in record (${String(current.metadata?.uid)}). The object might have been deleted and then recreated`);
      }
      if (opts.dryRun === true) return current;
      const finalizers = current.metadata?.finalizers;
      if (Array.isArray(finalizers) && finalizers.length > 0) {
        // Held by its finalizers: marked, and gone when the last one is removed.
        if (current.metadata?.deletionTimestamp !== undefined) return current;
        const marked = { ...current, metadata: { ...current.metadata, deletionTimestamp: timestamp(new Date()), deletionGracePeriodSeconds: 0 } };
        const res = await this.storage.update(key, marked, rvOf(current));
        if (res.ok) return res.object;
        continue;
      }
      if (r.plural === 'namespaces') await this.emptyNamespace(name);
      if (isCrd(r)) await this.removeCustomObjects(current);
      const res = await this.storage.delete(key, rvOf(current));
      if (res.ok) return res.object;
      if (res.why === 'missing') throw notFound(r, name);
    }
    throw conflict(r, name);
  }

  private async requireNamespace(namespace: string): Promise<void> {
    if ((await this.storage.get(storageKey(NAMESPACES, undefined, namespace))) === undefined) throw notFound(NAMESPACES, namespace);
  }

  /** What kube-controller-manager's namespace controller does: every object in it goes (finalizers are not waited for). */
  private async emptyNamespace(namespace: string): Promise<void> {
    const { resources } = await loadCatalog(this.storage);
    // A CRD's versions share one folder: each folder is emptied once.
    const folders = new Map(resources.filter((x) => x.namespaced && x.createOnly !== true).map((x) => [storageKey(x), x]));
    for (const r of folders.values()) {
      const { items } = await this.storage.list(storageKey(r, namespace));
      for (const o of items) await this.storage.delete(storageKey(r, namespace, nameOf(o)), rvOf(o));
    }
  }

  /** What the apiextensions server's cleanup finalizer does before a CRD goes: every object of it is deleted. */
  private async removeCustomObjects(crd: KubeObject): Promise<void> {
    // Its folder, whichever versions it serves (or whether it is already marked for deletion).
    const [r] = resourcesOf({ metadata: {}, spec: { ...((crd.spec ?? {}) as Record<string, unknown>), versions: [{ name: 'any', served: true }] } });
    if (r === undefined) return;
    const prefix = storageKey(r);
    for (;;) {
      const { items } = await this.storage.list(prefix, { limit: 500 });
      if (items.length === 0) return;
      for (const o of items) await this.storage.delete(storageKey(r, o.metadata?.namespace as string | undefined, nameOf(o)), rvOf(o));
    }
  }
}
