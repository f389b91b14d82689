/**
 * The cluster clientset: reads and writes a cluster's spec set (its Cluster and InstanceGroups)
 * in an ObjectStore, with optimistic concurrency and a history record for every accepted change.
 *
 * Spec objects are stored as YAML, as the user wrote them (no defaults). Every write is
 * conditional on the ETag the writer read, so a writer with a stale read gets a ConflictError
 * that says which object changed and who changed it last, and nothing is overwritten.
 */

import { parseSpecText, toYaml } from '../src/api/index.js';
import type { Cluster, InstanceGroup } from '../src/api/index.js';
import { ConflictError, HoistError } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import { silent } from '../src/output/events.js';
import { latestRevision, recordRevision } from './history.js';
import type { ChangeMeta, Revision } from './history.js';
import { clusterConfigKey, instanceGroupKey, instanceGroupPrefix } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';

export interface Versioned<T> {
  readonly object: T;
  readonly etag: string;
}

export interface StoredSpecSet {
  readonly cluster: Versioned<Cluster>;
  readonly instanceGroups: readonly Versioned<InstanceGroup>[];
}

/** The plain spec set, as kept in history and compared by diff and rollback. */
export interface SpecSet {
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
}

/** One object to write: `etag` is what the writer read, or undefined for "must not exist yet". */
export interface ObjectWrite<T> {
  readonly object: T;
  readonly etag?: string;
}

export interface SpecChange {
  readonly cluster: string;
  readonly putCluster?: ObjectWrite<Cluster>;
  readonly putInstanceGroups?: readonly ObjectWrite<InstanceGroup>[];
  readonly deleteInstanceGroups?: readonly { readonly name: string; readonly etag: string }[];
}

export class Clientset {
  constructor(
    readonly store: ObjectStore,
    private readonly events: EventSink = silent,
  ) {}

  /** Names of every cluster in the store, sorted. */
  async listClusters(): Promise<string[]> {
    const keys = await this.store.list('');
    return keys.filter((k) => /^[^/]+\/config$/.test(k)).map((k) => k.slice(0, -'/config'.length));
  }

  async getCluster(name: string): Promise<Versioned<Cluster> | undefined> {
    const key = clusterConfigKey(name);
    const found = await this.store.get(key);
    if (!found) return undefined;
    return { object: decode(key, found.body, 'Cluster') as Cluster, etag: found.etag };
  }

  async getInstanceGroup(cluster: string, ig: string): Promise<Versioned<InstanceGroup> | undefined> {
    const key = instanceGroupKey(cluster, ig);
    const found = await this.store.get(key);
    if (!found) return undefined;
    return { object: decode(key, found.body, 'InstanceGroup') as InstanceGroup, etag: found.etag };
  }

  /**
   * Every InstanceGroup of a cluster, sorted by name. Where the store lists ETags (S3), objects
   * whose ETag matches the copy in the latest history record are taken from that record, so a
   * cluster of hundreds of groups costs three requests instead of one per group.
   */
  async listInstanceGroups(cluster: string): Promise<Versioned<InstanceGroup>[]> {
    const prefix = instanceGroupPrefix(cluster);
    const isGroup = (key: string) => !key.slice(prefix.length).includes('/');
    const nameOf = (key: string) => key.slice(prefix.length);
    if (!this.store.listWithEtags) {
      const keys = (await this.store.list(prefix)).filter(isGroup);
      return present(await Promise.all(keys.map((k) => this.getInstanceGroup(cluster, nameOf(k)))));
    }
    const [listed, latest] = await Promise.all([this.store.listWithEtags(prefix), latestRevision(this.store, cluster)]);
    const copies = new Map((latest?.specs.instanceGroups ?? []).map((ig) => [instanceGroupKey(cluster, ig.metadata.name), ig]));
    const found = await Promise.all(
      listed.filter((o) => isGroup(o.key)).map(async ({ key, etag }) => {
        const copy = copies.get(key);
        if (copy && latest?.etags?.[key] === etag) return { object: copy, etag };
        return this.getInstanceGroup(cluster, nameOf(key));
      }),
    );
    return present(found);
  }

  async getSpecSet(cluster: string): Promise<StoredSpecSet | undefined> {
    const [c, igs] = await Promise.all([this.getCluster(cluster), this.listInstanceGroups(cluster)]);
    return c ? { cluster: c, instanceGroups: igs } : undefined;
  }

  /**
   * Applies a change of the spec set and records it in history. Callers hold the cluster lock,
   * so the only writer that can have moved an object is one whose read predates the lock: every
   * precondition is checked before anything is written, and each write is conditional again.
   */
  async commit(change: SpecChange, meta: ChangeMeta): Promise<Revision> {
    const name = change.cluster;
    const [cluster, groups] = await Promise.all([this.getCluster(name), this.listInstanceGroups(name)]);
    const current = new Map<string, Versioned<Cluster | InstanceGroup>>(groups.map((v) => [instanceGroupKey(name, v.object.metadata.name), v]));
    if (cluster) current.set(clusterConfigKey(name), cluster);
    const stale = staleKeys(change, current);
    if (stale.length > 0) throw await this.conflict(name, stale);

    const next = new Map(current);
    const writes: Promise<void>[] = [];
    const put = (key: string, w: ObjectWrite<Cluster | InstanceGroup>) =>
      writes.push(this.write(key, w).then((etag) => void next.set(key, { object: w.object, etag })));
    if (change.putCluster) put(clusterConfigKey(name), change.putCluster);
    for (const w of change.putInstanceGroups ?? []) put(instanceGroupKey(name, w.object.metadata.name), w);
    for (const d of change.deleteInstanceGroups ?? []) {
      const key = instanceGroupKey(name, d.name);
      writes.push(this.guard(key, () => this.store.delete(key, { ifMatch: d.etag })).then(() => void next.delete(key)));
    }
    await Promise.all(writes);

    const newCluster = next.get(clusterConfigKey(name));
    if (!newCluster) throw new HoistError('INTERNAL', `cluster ${name} has no Cluster object after its change`);
    next.delete(clusterConfigKey(name));
    const specs = { cluster: newCluster.object as Cluster, instanceGroups: [...next.values()].map((v) => v.object as InstanceGroup) };
    const etags = Object.fromEntries([[clusterConfigKey(name), newCluster.etag], ...[...next].map(([k, v]) => [k, v.etag])]);
    const rev = await recordRevision(this.store, name, specs, meta, etags);
    this.events({ level: 'debug', code: 'store.revision', message: `recorded revision ${rev.rev} of ${name}`, data: { rev: rev.rev } });
    return rev;
  }

  private async write<T>(key: string, w: ObjectWrite<T>): Promise<string> {
    const body = toYaml(w.object);
    const written = await this.guard(key, () => this.store.put(key, body, w.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: w.etag }));
    return written.etag;
  }

  private async guard<T>(key: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof PreconditionFailedError) throw await this.conflict(key.split('/')[0]!, [key]);
      throw e;
    }
  }

  private async conflict(cluster: string, keys: readonly string[]): Promise<ConflictError> {
    const last = await latestRevision(this.store, cluster).catch(() => undefined);
    const by = last ? ` (last change: revision ${last.rev} by ${last.user} at ${last.time}, "${last.command}")` : '';
    return new ConflictError(
      `${keys.join(', ')} changed since it was read${by}; nothing was written`,
      'read the current spec again (hoist get, hoist edit) and redo your change on top of it',
    );
  }
}

/** The objects the change expects in another version than the one stored now. */
function staleKeys(change: SpecChange, current: ReadonlyMap<string, Versioned<unknown>>): string[] {
  const name = change.cluster;
  const checks: [string, string | undefined][] = [];
  if (change.putCluster) checks.push([clusterConfigKey(name), change.putCluster.etag]);
  for (const w of change.putInstanceGroups ?? []) checks.push([instanceGroupKey(name, w.object.metadata.name), w.etag]);
  for (const d of change.deleteInstanceGroups ?? []) checks.push([instanceGroupKey(name, d.name), d.etag]);
  return checks.filter(([key, expected]) => expected !== current.get(key)?.etag).map(([key]) => key);
}

function present<T>(values: readonly (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

export function plain(set: StoredSpecSet): SpecSet {
  return { cluster: set.cluster.object, instanceGroups: set.instanceGroups.map((v) => v.object) };
}

function decode(key: string, body: Uint8Array, kind: 'Cluster' | 'InstanceGroup'): Cluster | InstanceGroup {
  const docs = parseSpecText(Buffer.from(body).toString('utf8'), key);
  const doc = docs[0];
  if (docs.length !== 1 || doc?.kind !== kind) {
    throw new HoistError('STORE', `${key} in the state store does not hold one ${kind}`, {
      hint: 'restore it from history (hoist history cluster, hoist rollback cluster --to REV)',
    });
  }
  return doc.object;
}
