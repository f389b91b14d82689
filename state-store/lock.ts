/**
 * The cluster lock: one object, `<cluster>/lock`, created with `If-None-Match: *`, so of any
 * number of racing processes exactly one creates it. It names its holder, operation and expiry,
 * is renewed while held, and is taken over only when it is expired or its holder is a dead
 * process of this host. A takeover is a write conditional on the ETag that was read, so of two
 * processes that both find the same stale lock, one wins and the other sees the winner's lock.
 */

import { HoistError } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import { silent } from '../src/output/events.js';
import type { ObjectStore } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';
import type { LockInfo } from './lock-info.js';
import { LockHeldError, aliveHere, decodeLock, describeHolder, encodeLock, lockKey, newLockInfo, staleReason } from './lock-info.js';
import type { HeldLock } from './lock-held.js';
import { Held } from './lock-held.js';
import { releaseOnSignals } from './lock-signals.js';

export type { HeldLock } from './lock-held.js';
export type { LockInfo } from './lock-info.js';
export { LockHeldError, describeHolder, lockKey } from './lock-info.js';
export { configureSignalRelease, releaseOnSignals } from './lock-signals.js';

export interface AcquireLockOptions {
  /** What the holder is about to do, e.g. `update cluster`; shown to whoever finds the lock. */
  readonly operation: string;
  /** How long the lock stays valid without a renewal. */
  readonly ttlMs?: number;
  /** How often the holder renews it; a third of the TTL by default; 0 turns renewal off. */
  readonly renewEveryMs?: number;
  readonly events?: EventSink;
  /** Release on SIGINT/SIGTERM (then exit 130/143) and before a natural exit; true by default. */
  readonly releaseOnSignals?: boolean;
  readonly now?: () => number;
}

export interface FoundLock {
  readonly info: LockInfo;
  readonly etag: string;
}

export const DEFAULT_TTL_MS = 60_000;
/** Creating and taking over can both lose a race; each loss is followed by a fresh read. */
const MAX_ATTEMPTS = 5;

export async function acquireLock(store: ObjectStore, cluster: string, options: AcquireLockOptions): Promise<HeldLock> {
  const key = lockKey(cluster);
  const now = options.now ?? Date.now;
  const events = options.events ?? silent;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const mine = newLockInfo(options.operation, now(), ttlMs);
  const body = encodeLock(mine);

  const hold = (etag: string): HeldLock => {
    const held = new Held({
      store,
      cluster,
      key,
      info: mine,
      etag,
      ttlMs,
      renewEveryMs: options.renewEveryMs ?? Math.floor(ttlMs / 3),
      events,
      now,
    });
    if (options.releaseOnSignals ?? true) releaseOnSignals(held);
    remember(store, held);
    events({
      level: 'debug',
      code: 'lock.acquired',
      message: `locked ${cluster} for "${mine.operation}" until ${mine.expires}`,
      data: { cluster, id: mine.id },
    });
    return held;
  };

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      return hold((await store.put(key, body, { ifNoneMatch: '*' })).etag);
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
    const found = await readLock(store, cluster);
    if (found === undefined) continue; // released meanwhile: try to create it again
    // Our own write, answered as a conflict because a retried request found it in place.
    if (found.info.id === mine.id) return hold(found.etag);
    const reason = staleReason(found.info, now());
    if (reason === undefined) throw new LockHeldError(cluster, found.info);
    try {
      const { etag } = await store.put(key, body, { ifMatch: found.etag });
      events({
        level: 'warn',
        code: 'lock.taken-over',
        message: `took over the lock of ${cluster} from ${describe(found.info)}: ${reason}`,
        data: { cluster, previous: found.info },
      });
      return hold(etag);
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      // Someone else changed it first (took it over, renewed or released it): look again.
    }
  }
  const found = await readLock(store, cluster);
  if (found !== undefined && found.info.id !== mine.id) throw new LockHeldError(cluster, found.info);
  throw new HoistError('LOCKED', `could not lock ${cluster}: the lock changed ${MAX_ATTEMPTS} times while trying`, {
    hint: 'other hoist commands are starting and stopping on this cluster; retry in a moment',
  });
}

/** The lock as stored, or undefined if the cluster is not locked. */
export async function readLock(store: ObjectStore, cluster: string): Promise<FoundLock | undefined> {
  const object = await store.get(lockKey(cluster));
  return object === undefined ? undefined : { info: decodeLock(object.body), etag: object.etag };
}

/**
 * The locks this process holds, by store and cluster. Commands take their lock through one
 * call (Context.withLock) and change the cloud in code far from it; this is how that code finds
 * the lock to check that it still holds it.
 */
const owned = new WeakMap<ObjectStore, Map<string, HeldLock>>();

function remember(store: ObjectStore, held: HeldLock): void {
  const byCluster = owned.get(store) ?? new Map<string, HeldLock>();
  owned.set(store, byCluster);
  byCluster.set(held.cluster, held);
  held.onRelease(() => {
    if (byCluster.get(held.cluster) === held) byCluster.delete(held.cluster);
  });
}

/** The lock of `cluster` on `store` that this process holds and has not released, if any. */
export function heldLock(store: ObjectStore, cluster: string): HeldLock | undefined {
  return owned.get(store)?.get(cluster);
}

/**
 * Throws a `LOCKED` error unless this process still holds the lock of `cluster`: called before
 * each step that changes the cloud, so that a holder whose lock was broken stops there.
 */
export async function checkLockHeld(store: ObjectStore, cluster: string): Promise<void> {
  const held = heldLock(store, cluster);
  if (held === undefined) {
    throw new HoistError('INTERNAL', `this process does not hold the lock of ${cluster}, and changes the cluster only under its lock`);
  }
  await held.check();
}

export interface BreakLockOptions {
  /** Break the lock only if it is still this acquisition (the `id` that was shown to the user). */
  readonly expectedId?: string;
  /** Break it even if its holder is a process that is running on this host. */
  readonly force?: boolean;
  readonly events?: EventSink;
}

/**
 * Removes the lock whoever holds it: for a holder that is gone. Returns what was removed, or
 * undefined if there was no lock. Throws `CONFLICT` if the lock changed meanwhile (its holder
 * renewed it, or another holder took it), so a user never breaks a lock they have not seen; and
 * `LOCKED` if its holder is a live process of this host (unless `force`), which is at work.
 */
export async function breakLock(store: ObjectStore, cluster: string, options: BreakLockOptions = {}): Promise<LockInfo | undefined> {
  const found = await readLock(store, cluster);
  if (found === undefined) return undefined;
  const changed = (holder: LockInfo) =>
    new HoistError('CONFLICT', `the lock of ${cluster} changed; it is now held by ${describe(holder)}`, {
      hint: 'look at it again with "hoist lock status" before breaking it',
    });
  if (options.expectedId !== undefined && found.info.id !== options.expectedId) throw changed(found.info);
  if (!options.force && aliveHere(found.info)) throw new LiveHolderError(cluster, found.info);
  try {
    await store.delete(lockKey(cluster), { ifMatch: found.etag });
  } catch (e) {
    if (e instanceof PreconditionFailedError) {
      // A renewal by the same holder also changes the ETag: say who holds it now.
      const now = await readLock(store, cluster);
      if (now === undefined) return found.info;
      throw changed(now.info);
    }
    throw e;
  }
  (options.events ?? silent)({
    level: 'warn',
    code: 'lock.broken',
    message: `broke the lock of ${cluster} held by ${describe(found.info)}`,
    data: { cluster, previous: found.info },
  });
  return found.info;
}

const describe = describeHolder;

/** A lock break refused: its holder is running on this host, so it is not dead. */
export class LiveHolderError extends HoistError {
  readonly info: LockInfo;

  constructor(cluster: string, info: LockInfo) {
    super('LOCKED', `the lock of ${cluster} is held by ${describe(info)}, a process that is running on this host; not broken`, {
      hint:
        `wait for it to finish, or stop it (kill ${info.pid}) and it releases the lock; ` +
        `break it anyway only if that process no longer changes the cluster: hoist lock break ${cluster} --force`,
    });
    this.info = info;
  }
}
