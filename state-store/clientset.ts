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

  /** Every InstanceGroup of a cluster, read in parallel, sorted by name. */
  async listInstanceGroups(cluster: string): Promise<Versioned<InstanceGroup>[]> {
    const prefix = instanceGroupPrefix(cluster);
    const names = (await this.store.list(prefix)).map((k) => k.slice(prefix.length)).filter((n) => !n.includes('/'));
    const found = await Promise.all(names.map((n) => this.getInstanceGroup(cluster, n)));
    return found.filter((v): v is Versioned<InstanceGroup> => v !== undefined);
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
    await this.checkPreconditions(change);
    const name = change.cluster;
    if (change.putCluster) {
      await this.write(clusterConfigKey(name), change.putCluster);
    }
    await Promise.all((change.putInstanceGroups ?? []).map((w) => this.write(instanceGroupKey(name, w.object.metadata.name), w)));
    await Promise.all(
      (change.deleteInstanceGroups ?? []).map((d) => this.guard(instanceGroupKey(name, d.name), () =>
        this.store.delete(instanceGroupKey(name, d.name), { ifMatch: d.etag }),
      )),
    );
    const now = await this.getSpecSet(name);
    if (!now) throw new HoistError('INTERNAL', `cluster ${name} vanished while its change was being written`);
    const rev = await recordRevision(this.store, name, plain(now), meta);
    this.events({ level: 'debug', code: 'store.revision', message: `recorded revision ${rev.rev} of ${name}`, data: { rev: rev.rev } });
    return rev;
  }

  private async checkPreconditions(change: SpecChange): Promise<void> {
    const name = change.cluster;
    const checks: [string, string | undefined][] = [];
    if (change.putCluster) checks.push([clusterConfigKey(name), change.putCluster.etag]);
    for (const w of change.putInstanceGroups ?? []) checks.push([instanceGroupKey(name, w.object.metadata.name), w.etag]);
    for (const d of change.deleteInstanceGroups ?? []) checks.push([instanceGroupKey(name, d.name), d.etag]);
    const current = await Promise.all(checks.map(async ([key]) => (await this.store.get(key))?.etag));
    const stale = checks.filter(([, expected], i) => expected !== current[i]);
    if (stale.length > 0) throw await this.conflict(name, stale.map(([key]) => key));
  }

  private async write<T>(key: string, w: ObjectWrite<T>): Promise<void> {
    const body = toYaml(w.object);
    await this.guard(key, () => this.store.put(key, body, w.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: w.etag }));
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
