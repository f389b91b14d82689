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
import { LockHeldError, decodeLock, encodeLock, lockKey, newLockInfo, staleReason } from './lock-info.js';
import type { HeldLock } from './lock-held.js';
import { Held } from './lock-held.js';
import { releaseOnSignals } from './lock-signals.js';

export type { HeldLock } from './lock-held.js';
export type { LockInfo } from './lock-info.js';
export { LockHeldError, lockKey } from './lock-info.js';
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

const DEFAULT_TTL_MS = 60_000;
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

export interface BreakLockOptions {
  /** Break the lock only if it is still this acquisition (the `id` that was shown to the user). */
  readonly expectedId?: string;
  readonly events?: EventSink;
}

/**
 * Removes the lock whoever holds it: for a holder that is gone. Returns what was removed, or
 * undefined if there was no lock. Throws `CONFLICT` if the lock changed meanwhile (its holder
 * renewed it, or another holder took it), so a user never breaks a lock they have not seen.
 */
export async function breakLock(store: ObjectStore, cluster: string, options: BreakLockOptions = {}): Promise<LockInfo | undefined> {
  const found = await readLock(store, cluster);
  if (found === undefined) return undefined;
  const changed = (holder: LockInfo) =>
    new HoistError('CONFLICT', `the lock of ${cluster} changed; it is now held by ${describe(holder)}`, {
      hint: 'look at it again with "hoist lock status" before breaking it',
    });
  if (options.expectedId !== undefined && found.info.id !== options.expectedId) throw changed(found.info);
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

function describe(info: LockInfo): string {
  return `${info.holder} (pid ${info.pid}, "${info.operation}", since ${info.started})`;
}
