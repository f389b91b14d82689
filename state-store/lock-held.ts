/**
 * A lock this process holds: renewed on a timer, released at most once, and never allowed to
 * touch a lock object that is no longer its own (every write is conditional on its ETag).
 */

import { HoistError } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import type { ObjectStore } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';
import type { LockInfo } from './lock-info.js';
import { decodeLock, describeHolder, encodeLock } from './lock-info.js';

export interface HeldLock {
  readonly cluster: string;
  /** The lock as last written (its `expires` moves with each renewal). */
  readonly info: LockInfo;
  /** True once a renewal found the lock removed or replaced: this process no longer holds it. */
  readonly lost: boolean;
  readonly released: boolean;
  /** Pushes the expiry forward now. Throws a `LOCKED` error if the lock was lost. */
  renew(): Promise<void>;
  /**
   * Reads the lock object and throws a `LOCKED` error, naming whoever holds it now, unless it is
   * still this acquisition: the holder calls it before each step that changes the cloud, so a
   * broken or taken-over lock stops it before its next step rather than at the next renewal.
   * Calls made while a read is under way share that read.
   */
  check(): Promise<void>;
  /** Removes the lock if it is still ours. Idempotent; never throws (problems become events). */
  release(): Promise<void>;
  /** Runs `callback` once, when `release()` is first called. */
  onRelease(callback: () => void): void;
}

export interface HeldLockSettings {
  readonly store: ObjectStore;
  readonly cluster: string;
  readonly key: string;
  readonly info: LockInfo;
  readonly etag: string;
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly events: EventSink;
  readonly now: () => number;
}

export class Held implements HeldLock {
  readonly cluster: string;
  readonly #s: HeldLockSettings;
  #info: LockInfo;
  #etag: string;
  #lost = false;
  #released: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Renewals run one after the other: each needs the ETag the previous one got. */
  #queue: Promise<void> = Promise.resolve();
  #checking: Promise<void> | undefined;
  /** Who held the lock when this process found it lost, if anyone. */
  #successor: LockInfo | undefined;
  readonly #onRelease: (() => void)[] = [];

  constructor(settings: HeldLockSettings) {
    this.#s = settings;
    this.cluster = settings.cluster;
    this.#info = settings.info;
    this.#etag = settings.etag;
    if (settings.renewEveryMs > 0) {
      this.#timer = setInterval(() => this.#renewInBackground(), settings.renewEveryMs);
      // The lock must never keep a finished command alive.
      this.#timer.unref();
    }
  }

  get info(): LockInfo {
    return this.#info;
  }

  get lost(): boolean {
    return this.#lost;
  }

  get released(): boolean {
    return this.#released !== undefined;
  }

  renew(): Promise<void> {
    const run = this.#queue.then(() => this.#renewOnce());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  check(): Promise<void> {
    this.#checking ??= this.#checkOnce().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  release(): Promise<void> {
    this.#released ??= this.#releaseOnce();
    return this.#released;
  }

  onRelease(callback: () => void): void {
    if (this.released) callback();
    else this.#onRelease.push(callback);
  }

  async #checkOnce(): Promise<void> {
    if (this.#lost) throw this.#lostError();
    if (this.released) {
      throw new HoistError('INTERNAL', `the lock of ${this.cluster} was already released by this process`);
    }
    const object = await this.#s.store.get(this.#s.key);
    const now = object === undefined ? undefined : decodeLock(object.body);
    if (now?.id === this.#info.id) return;
    this.#markLost(now);
    throw this.#lostError();
  }

  async #renewOnce(): Promise<void> {
    if (this.released) return;
    if (this.#lost) throw this.#lostError();
    const next: LockInfo = { ...this.#info, expires: new Date(this.#s.now() + this.#s.ttlMs).toISOString() };
    try {
      const { etag } = await this.#s.store.put(this.#s.key, encodeLock(next), { ifMatch: this.#etag });
      this.#etag = etag;
      this.#info = next;
      this.#s.events({ level: 'debug', code: 'lock.renewed', message: `lock of ${this.cluster} renewed until ${next.expires}` });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      const object = await this.#s.store.get(this.#s.key).catch(() => undefined);
      this.#markLost(object === undefined ? undefined : decodeLock(object.body));
      throw this.#lostError();
    }
  }

  #markLost(successor: LockInfo | undefined): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#successor = successor;
    this.#stopTimer();
    this.#s.events({
      level: 'error',
      code: 'lock.lost',
      message: `the lock of ${this.cluster} was ${this.#how()} while "${this.#info.operation}" was running`,
      data: { cluster: this.cluster, id: this.#info.id, ...(successor ? { holder: successor } : {}) },
    });
  }

  /** How the lock was lost, as far as this process can tell. */
  #how(): string {
    return this.#successor === undefined ? 'broken (removed by someone else)' : `taken over by ${describeHolder(this.#successor)}`;
  }

  #renewInBackground(): void {
    this.renew().catch((e: unknown) => {
      if (this.#lost) return; // already reported as lock.lost
      this.#s.events({
        level: 'warn',
        code: 'lock.renew-failed',
        message: `could not renew the lock of ${this.cluster} (will retry): ${e instanceof Error ? e.message : String(e)}`,
      });
    });
  }

  async #releaseOnce(): Promise<void> {
    this.#stopTimer();
    for (const callback of this.#onRelease.splice(0)) callback();
    await this.#queue;
    if (this.#lost) return;
    try {
      await this.#s.store.delete(this.#s.key, { ifMatch: this.#etag });
      this.#s.events({ level: 'debug', code: 'lock.released', message: `lock of ${this.cluster} released` });
    } catch (e) {
      const taken = e instanceof PreconditionFailedError;
      this.#s.events({
        level: 'warn',
        code: taken ? 'lock.lost' : 'lock.release-failed',
        message: taken
          ? `the lock of ${this.cluster} was taken over before it was released; left as it is`
          : `could not release the lock of ${this.cluster}: ${e instanceof Error ? e.message : String(e)}` +
            ` (it expires at ${this.#info.expires}, or remove it with "hoist lock break --yes")`,
      });
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #lostError(): HoistError {
    return new HoistError('LOCKED', `the lock of ${this.cluster} is no longer held by this process: it was ${this.#how()}; stopped before changing anything more`, {
      hint: `another command may be changing the cluster: see hoist lock status ${this.cluster}, and run this command again once it is done`,
    });
  }
}
