/**
 * The cluster clientset: reads and writes a cluster's spec set (its Cluster and InstanceGroups)
 * in an ObjectStore, with optimistic concurrency and a history record for every accepted change.
 *
 * Spec objects are stored as YAML, as the user wrote them (no defaults). Every write is
 * conditional on the ETag the writer read, so a writer with a stale read gets a ConflictError
 * that says which object changed and who changed it last, and nothing is overwritten.
 */

import { hostname } from 'node:os';
import { toYaml } from '../src/api/index.js';
import type { Cluster, InstanceGroup } from '../src/api/index.js';
import { ConflictError, HoistError } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import { silent } from '../src/output/events.js';
import { claimRevision, completeRevision, latestRevision } from './history.js';
import type { ChangeMeta, Revision, StoredRevision } from './history.js';
import { listClusterNames } from './cluster-listing.js';
import { clusterConfigKey, instanceGroupKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';
import { describeUnfinished, encodeBody, rollBack } from './pending.js';
import { isProcessAlive } from './backends/process-info.js';
import { DEFAULT_TTL_MS as LOCK_TTL_MS } from './lock.js';
import type { Versioned } from './spec-read.js';
import { readSpecParts } from './spec-read.js';
import { decodeChecked } from './spec-decode.js';
import { readHead } from './spec-view.js';

export type { Versioned } from './spec-read.js';

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

  /**
   * Names of every cluster in the store, sorted. A cluster whose creation is unfinished is not
   * one yet (see cluster-listing.ts).
   */
  listClusters(): Promise<string[]> {
    return listClusterNames(this.store);
  }

  async getCluster(name: string): Promise<Versioned<Cluster> | undefined> {
    return (await readSpecParts(this.store, name, { cluster: true }, decodeChecked)).cluster;
  }

  async getInstanceGroup(cluster: string, ig: string): Promise<Versioned<InstanceGroup> | undefined> {
    return (await readSpecParts(this.store, cluster, { group: ig }, decodeChecked)).groups[0];
  }

  /**
   * Every InstanceGroup of a cluster, sorted by name. Where the store lists ETags (S3), objects
   * whose ETag matches the copy in the latest history record are taken from that record, so a
   * cluster of hundreds of groups costs three requests instead of one per group.
   */
  async listInstanceGroups(cluster: string): Promise<Versioned<InstanceGroup>[]> {
    return (await readSpecParts(this.store, cluster, { groups: true }, decodeChecked)).groups;
  }

  async getSpecSet(cluster: string): Promise<StoredSpecSet | undefined> {
    const { cluster: c, groups } = await readSpecParts(this.store, cluster, { cluster: true, groups: true }, decodeChecked);
    return c ? { cluster: c, instanceGroups: groups } : undefined;
  }

  /**
   * Applies a change of the spec set and records it in history. Callers hold the cluster lock,
   * so the only writer that can have moved an object is one whose read predates the lock: every
   * precondition is checked before anything is written, and each write is conditional again.
   *
   * The change is all or nothing for readers: it is claimed as a pending revision first, its
   * objects are written, then the revision is completed (see spec-view.ts). An unfinished change
   * found here is one whose writer lost the lock, so it is rolled back first.
   */
  async commit(change: SpecChange, meta: ChangeMeta): Promise<Revision> {
    const name = change.cluster;
    await this.#recover(name);
    const set = await readSpecParts(this.store, name, { cluster: true, groups: true }, decodeChecked);
    const current = new Map<string, Versioned<Cluster | InstanceGroup>>(set.groups.map((v) => [instanceGroupKey(name, v.object.metadata.name), v]));
    if (set.cluster) current.set(clusterConfigKey(name), set.cluster);
    const stale = staleKeys(change, current);
    if (stale.length > 0) throw await this.conflict(name, stale);

    const writes = plannedWrites(change);
    // The exact bytes before the change, kept in the pending revision so that it can be undone.
    const before = await Promise.all(writes.map((w) => this.store.get(w.key)));
    const moved = writes.filter((w, i) => before[i]?.etag !== w.etag).map((w) => w.key);
    if (moved.length > 0) throw await this.conflict(name, moved);

    const next = new Map<string, Cluster | InstanceGroup>([...current].map(([k, v]) => [k, v.object]));
    for (const w of writes) {
      if (w.object === undefined) next.delete(w.key);
      else next.set(w.key, w.object);
    }
    const newCluster = next.get(clusterConfigKey(name)) as Cluster | undefined;
    if (!newCluster) throw new HoistError('INTERNAL', `cluster ${name} has no Cluster object after its change`);
    next.delete(clusterConfigKey(name));
    const specs = { cluster: newCluster, instanceGroups: [...next.values()] as InstanceGroup[] };
    const bodies = writes.map((w) => (w.object === undefined ? undefined : new TextEncoder().encode(toYaml(w.object))));
    const pending = {
      pid: process.pid,
      host: hostname(),
      objects: writes.map((w, i) => ({ key: w.key, before: encodeBody(before[i]?.body), beforeEtag: before[i]?.etag, after: encodeBody(bodies[i]) })),
    };

    const claimed = await claimRevision(this.store, name, specs, meta, pending);
    const results = await Promise.allSettled(writes.map((w, i) => this.#writeOne(w, bodies[i])));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.#undo(name, claimed, true);
      throw failed.reason;
    }
    const etags = new Map([...current].map(([k, v]) => [k, v.etag]));
    writes.forEach((w, i) => {
      const r = results[i] as PromiseFulfilledResult<string | undefined>;
      if (r.value === undefined) etags.delete(w.key);
      else etags.set(w.key, r.value);
    });
    let rev: Revision;
    try {
      rev = await completeRevision(this.store, name, claimed, Object.fromEntries(etags));
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      // Another command took the cluster over and rolled this change back: undo what is left of it.
      await this.#undo(name, claimed, false);
      throw new ConflictError(
        `the change of ${name} was rolled back by another command before it was recorded (revision ${claimed.record.rev}); nothing was changed`,
        'check that no other command holds the cluster (hoist lock status), then redo the change',
      );
    }
    this.events({ level: 'debug', code: 'store.revision', message: `recorded revision ${rev.rev} of ${name}`, data: { rev: rev.rev } });
    return rev;
  }

  /** Writes or deletes one object; resolves to its new ETag, or undefined once deleted. */
  async #writeOne(w: PlannedWrite, body: Uint8Array | undefined): Promise<string | undefined> {
    if (body === undefined) {
      await this.guard(w.key, () => this.store.delete(w.key, { ifMatch: w.etag }));
      return undefined;
    }
    return (await this.guard(w.key, () => this.store.put(w.key, body, w.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: w.etag }))).etag;
  }

  /** Rolls back the unfinished changes a dead or stopped writer left; callers hold the lock. */
  async #recover(name: string): Promise<void> {
    const head = await readHead(this.store, name);
    for (const unfinished of head.pending) {
      const writer = unfinished.record.pending!;
      // A live writer renews its lock and checks it before each step, so one whose change is
      // older than a lock lives has stopped: a live process with its pid now is another one
      // that was given the pid since.
      const recent = Date.now() - Date.parse(unfinished.record.time) < LOCK_TTL_MS;
      if (recent && writer.host === hostname() && writer.pid !== process.pid && isProcessAlive(writer.pid)) {
        throw new ConflictError(
          `${describeUnfinished(unfinished)} is still being written by a live process of this host; nothing was written`,
          `wait for it to finish; if it hangs, stop process ${writer.pid}, then retry`,
        );
      }
      await rollBack(this.store, name, unfinished, this.events, { dropRecord: true });
      this.events({
        level: 'warn',
        code: 'store.unfinished-change',
        message: `rolled back an unfinished change of ${name}: ${describeUnfinished(unfinished)} stopped before it was recorded; the spec is as it was before it`,
        data: { cluster: name, rev: unfinished.record.rev },
      });
    }
  }

  /** Undoes this process's own failed change. If that fails too, readers still see the old spec set. */
  async #undo(name: string, claimed: StoredRevision, dropRecord: boolean): Promise<void> {
    try {
      await rollBack(this.store, name, claimed, this.events, { dropRecord });
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      this.events({
        level: 'warn',
        code: 'store.undo-failed',
        message: `could not undo the unfinished revision ${claimed.record.rev} of ${name} (${detail}); the next change of the cluster rolls it back`,
        data: { cluster: name, rev: claimed.record.rev },
      });
    }
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

/** One object that a change writes (`object`) or deletes, and the ETag it must have now. */
interface PlannedWrite {
  readonly key: string;
  readonly object?: Cluster | InstanceGroup;
  readonly etag?: string;
}

function plannedWrites(change: SpecChange): PlannedWrite[] {
  const name = change.cluster;
  const writes: PlannedWrite[] = [];
  if (change.putCluster) writes.push({ key: clusterConfigKey(name), object: change.putCluster.object, etag: change.putCluster.etag });
  for (const w of change.putInstanceGroups ?? []) writes.push({ key: instanceGroupKey(name, w.object.metadata.name), object: w.object, etag: w.etag });
  for (const d of change.deleteInstanceGroups ?? []) writes.push({ key: instanceGroupKey(name, d.name), etag: d.etag });
  return writes;
}

export function plain(set: StoredSpecSet): SpecSet {
  return { cluster: set.cluster.object, instanceGroups: set.instanceGroups.map((v) => v.object) };
}

