/**
 * The history of a cluster's spec set: one object per accepted change, `history/<rev>`, holding
 * the revision number, when, who, the command line and the full spec set after the change.
 * Revisions are created with If-None-Match, so two writers can never claim the same number.
 *
 * A change is claimed as a *pending* revision before any spec object is written, and completed
 * once they all are (see clientset.ts). A pending revision is not part of the history: it is
 * rolled back by the next writer, and readers see the spec set as it was before it.
 *
 * A rolled-back change leaves an *aborted* record at its number instead of none: the latest record
 * then never returns to one a reader saw before (spec-view.ts tells a change from none by it), and
 * the next change takes the next number. Aborted records are no revisions: nothing lists them.
 */

import { hostname, userInfo } from 'node:os';
import type { Cluster, InstanceGroup } from '../src/api/index.js';
import { HoistError, NotFoundError } from '../src/errors.js';
import { historyKey, historyPrefix, revisionOfKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';

export interface ChangeMeta {
  /** The command line that made the change, e.g. `hoist edit cluster demo`. */
  readonly command: string;
  /** Why, when the user said (`--reason`), or what the command did. */
  readonly reason?: string;
  readonly user?: string;
}

/** One spec object that a pending change writes or deletes. Bodies are base64, byte for byte. */
export interface PendingObject {
  readonly key: string;
  /** The object before the change; absent when it did not exist. */
  readonly before?: string;
  readonly beforeEtag?: string;
  /** The object after the change; absent when the change deletes it. */
  readonly after?: string;
}

/** What an unfinished change needs to be rolled back, and who was making it. */
export interface PendingChange {
  readonly pid: number;
  readonly host: string;
  readonly objects: readonly PendingObject[];
}

export interface Revision {
  readonly rev: number;
  readonly time: string;
  readonly user: string;
  readonly command: string;
  readonly reason?: string;
  readonly specs: { readonly cluster: Cluster; readonly instanceGroups: readonly InstanceGroup[] };
  /**
   * The ETag each spec object had once written. A reader whose listing shows the same ETag can
   * use the copy here instead of reading the object.
   */
  readonly etags?: Readonly<Record<string, string>>;
  /** Present while the change is being written; a completed revision has none. */
  readonly pending?: PendingChange;
  /** Set once the change was rolled back: the record only marks that its number was used. */
  readonly aborted?: true;
}

export type RevisionSummary = Omit<Revision, 'specs' | 'etags' | 'pending' | 'aborted'> & { readonly instanceGroups: number };

/** A history record as stored, with the ETag that a completion or a rollback is conditional on. */
export interface StoredRevision {
  readonly record: Revision;
  readonly etag: string;
}

export function currentUser(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

/** Every revision number in the store, pending ones included, ascending. */
export async function listRevisionNumbers(store: ObjectStore, cluster: string): Promise<number[]> {
  const keys = await store.list(historyPrefix(cluster));
  return keys.map(revisionOfKey).filter((r): r is number => r !== undefined).sort((a, b) => a - b);
}

/** A change that took effect: neither pending nor rolled back. */
export function isCompleted(record: Revision): boolean {
  return record.pending === undefined && record.aborted === undefined;
}

/** Whether two records are of the same change (a claim and its completion): same number, time, author and command. */
export function sameChange(a: Revision, b: Revision): boolean {
  return a.rev === b.rev && a.time === b.time && a.user === b.user && a.command === b.command && a.reason === b.reason;
}

/** The record at `rev` as stored, pending, aborted or completed. */
export async function readRevision(store: ObjectStore, cluster: string, rev: number): Promise<StoredRevision | undefined> {
  const key = historyKey(cluster, rev);
  const found = await store.get(key);
  if (!found) return undefined;
  try {
    return { record: JSON.parse(Buffer.from(found.body).toString('utf8')) as Revision, etag: found.etag };
  } catch (e) {
    throw new HoistError('STORE', `${key} is not a readable history record`, {
      cause: e,
      hint: `move it out of the state store if it is not a revision of ${cluster}`,
    });
  }
}

/** A completed revision; a missing or unfinished one is NOT_FOUND. */
export async function getRevision(store: ObjectStore, cluster: string, rev: number): Promise<Revision> {
  const found = await readRevision(store, cluster, rev);
  if (!found || !isCompleted(found.record)) {
    throw new NotFoundError(`revision ${rev} of cluster ${cluster} does not exist`, `list the revisions with: hoist history cluster ${cluster}`);
  }
  return found.record;
}

/** The latest completed revision: unfinished and rolled-back changes at the end of the history are skipped. */
export async function latestRevision(store: ObjectStore, cluster: string): Promise<Revision | undefined> {
  const revs = await listRevisionNumbers(store, cluster);
  for (const rev of revs.reverse()) {
    const found = await readRevision(store, cluster, rev);
    if (found && isCompleted(found.record)) return found.record;
  }
  return undefined;
}

export async function listRevisions(store: ObjectStore, cluster: string): Promise<RevisionSummary[]> {
  const revs = await listRevisionNumbers(store, cluster);
  const all = await Promise.all(revs.map((r) => readRevision(store, cluster, r)));
  return all
    .filter((s): s is StoredRevision => s !== undefined && isCompleted(s.record))
    .map(({ record: { specs, etags: _etags, pending: _pending, aborted: _aborted, ...rest } }) => ({ ...rest, instanceGroups: specs.instanceGroups.length }));
}

/**
 * Claims the next revision number with a pending record of the change. A lost race for a number
 * moves on to the next free one. A 412 can also answer a write that was done but whose response
 * was lost and that the S3 client sent again: a record that is byte for byte ours is taken.
 */
export async function claimRevision(
  store: ObjectStore,
  cluster: string,
  specs: Revision['specs'],
  meta: ChangeMeta,
  pending: PendingChange,
): Promise<StoredRevision> {
  let rev = ((await listRevisionNumbers(store, cluster)).at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < 10; attempt++, rev++) {
    const record: Revision = {
      rev,
      time: new Date().toISOString(),
      user: meta.user ?? currentUser(),
      command: meta.command,
      ...(meta.reason === undefined ? {} : { reason: meta.reason }),
      specs: { cluster: specs.cluster, instanceGroups: [...specs.instanceGroups].sort(byName) },
      pending,
    };
    try {
      const { etag } = await store.put(historyKey(cluster, rev), encode(record), { ifNoneMatch: '*' });
      return { record, etag };
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      const mine = await storedAs(store, historyKey(cluster, rev), record);
      if (mine) return mine;
    }
  }
  throw new HoistError('CONFLICT', `could not claim a history revision for ${cluster}: other writers kept taking them`);
}

/**
 * Turns a pending revision into a completed one: the commit point of a change. Conditional on the
 * pending record, so a writer whose change was rolled back meanwhile gets PreconditionFailedError;
 * a 412 to a resent write that was done (the record is now exactly the completed one) is success.
 */
export async function completeRevision(
  store: ObjectStore,
  cluster: string,
  claimed: StoredRevision,
  etags: Readonly<Record<string, string>>,
): Promise<Revision> {
  const { pending: _pending, ...rest } = claimed.record;
  const record: Revision = { ...rest, etags };
  try {
    await store.put(historyKey(cluster, record.rev), encode(record), { ifMatch: claimed.etag });
  } catch (e) {
    if (!(e instanceof PreconditionFailedError) || !(await storedAs(store, historyKey(cluster, record.rev), record))) throw e;
  }
  return record;
}

/**
 * Replaces the pending record of a rolled-back change with an aborted one, conditional on the
 * pending record. A 412 means another writer did it first, or the change was completed.
 */
export async function abortRevision(store: ObjectStore, cluster: string, claimed: StoredRevision): Promise<void> {
  const { pending: _pending, etags: _etags, ...rest } = claimed.record;
  const record: Revision = { ...rest, aborted: true };
  await store.put(historyKey(cluster, record.rev), encode(record), { ifMatch: claimed.etag });
}

/** The record stored at `key` when it is exactly `record`, with its ETag. */
async function storedAs(store: ObjectStore, key: string, record: Revision): Promise<StoredRevision | undefined> {
  const found = await store.get(key);
  if (!found || Buffer.from(found.body).toString('utf8') !== encode(record)) return undefined;
  return { record, etag: found.etag };
}

function encode(record: Revision): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

function byName(a: InstanceGroup, b: InstanceGroup): number {
  return a.metadata.name.localeCompare(b.metadata.name);
}
