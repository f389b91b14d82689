/** The cluster lock within one process, on every backend: acquire, renew, lose, take over, break. */

import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HoistError } from '../../src/errors.js';
import { recorder } from '../../src/output/events.js';
import type { EventSink, HoistEvent } from '../../src/output/events.js';
import type { HeldLock, LockInfo } from '../../state-store/lock.js';
import { LiveHolderError, LockHeldError, acquireLock, breakLock, checkLockHeld, configureSignalRelease, heldLock, readLock } from '../../state-store/lock.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import type { OpenedStore } from './fixtures/backends.js';
import { BACKENDS, openTestStore } from './fixtures/backends.js';

const CLUSTER = 'demo.example.com';
const KEY = `${CLUSTER}/lock`;

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function someoneElse(overrides: Partial<LockInfo> = {}): LockInfo {
  const now = Date.now();
  return {
    id: 'other-id',
    holder: 'alice@build-box',
    host: 'build-box',
    pid: 4242,
    operation: 'update cluster',
    started: new Date(now - 5_000).toISOString(),
    expires: new Date(now + 55_000).toISOString(),
    ...overrides,
  };
}

/** A sink that records events, and a wait for the first recorded event that matches. */
function watched(): { sink: EventSink; events: HoistEvent[]; until: (match: (e: HoistEvent) => boolean) => Promise<HoistEvent> } {
  const { sink, events } = recorder();
  const waiting = new Set<() => void>();
  return {
    events,
    sink: (e) => {
      sink(e);
      for (const look of [...waiting]) look();
    },
    until: (match) =>
      new Promise((resolve) => {
        const look = () => {
          const found = events.find(match);
          if (found === undefined) return;
          waiting.delete(look);
          resolve(found);
        };
        waiting.add(look);
        look();
      }),
  };
}

async function plant(store: ObjectStore, info: LockInfo | string): Promise<void> {
  await store.put(KEY, typeof info === 'string' ? info : JSON.stringify(info));
}

describe.each(BACKENDS)('the cluster lock on %s', (backend) => {
  let opened: OpenedStore;
  let store: ObjectStore;
  const held: HeldLock[] = [];
  const acquire = async (options: Partial<Parameters<typeof acquireLock>[2]> = {}) => {
    const lock = await acquireLock(store, CLUSTER, { operation: 'update cluster', ...options });
    held.push(lock);
    return lock;
  };

  beforeEach(async () => {
    opened = await openTestStore(backend);
    store = opened.store;
  });
  afterEach(async () => {
    await Promise.all(held.splice(0).map((l) => l.release()));
    await opened.cleanup();
  });

  it('writes who holds it, for what and until when, and removes it on release', async () => {
    const before = Date.now();
    const lock = await acquire({ ttlMs: 30_000 });
    const found = await readLock(store, CLUSTER);
    expect(found?.info).toEqual(lock.info);
    expect(lock.info).toMatchObject({ host: hostname(), pid: process.pid, operation: 'update cluster' });
    expect(lock.info.holder).toMatch(/^.+@/);
    expect(Date.parse(lock.info.expires) - Date.parse(lock.info.started)).toBe(30_000);
    expect(Date.parse(lock.info.started)).toBeGreaterThanOrEqual(before - 1);
    await lock.release();
    await lock.release();
    expect(lock.released).toBe(true);
    expect(await readLock(store, CLUSTER)).toBeUndefined();
  });

  it('refuses a held lock with a LockHeldError that says who, what, since when and how to proceed', async () => {
    const info = someoneElse();
    await plant(store, info);
    const error = await acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error).toMatchObject({ code: 'LOCKED', info });
    const { message, hint } = error as LockHeldError;
    for (const part of ['alice@build-box', 'pid 4242', '"update cluster"', info.started, info.expires]) expect(message).toContain(part);
    expect(hint).toContain(`hoist lock status ${CLUSTER}`);
    expect(hint).toContain(`hoist lock break ${CLUSTER} --yes`);
  });

  it('takes over an expired lock and says whose it was', async () => {
    const { sink, events } = recorder();
    await plant(store, someoneElse({ expires: new Date(Date.now() - 1_000).toISOString() }));
    const lock = await acquire({ events: sink });
    expect((await readLock(store, CLUSTER))?.info.id).toBe(lock.info.id);
    expect(events).toContainEqual(
      expect.objectContaining({ level: 'warn', code: 'lock.taken-over', message: expect.stringContaining('alice@build-box (pid 4242') }),
    );
  });

  it('judges expiry by the clock it is given', async () => {
    await plant(store, someoneElse());
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
    await expect(acquire({ now: () => Date.now() + 120_000 })).resolves.toBeDefined();
  });

  it('takes over a lock whose holder was a process of this host that is gone', async () => {
    const { sink, events } = recorder();
    await plant(store, someoneElse({ host: hostname(), pid: deadPid() }));
    const lock = await acquire({ events: sink });
    expect((await readLock(store, CLUSTER))?.info.id).toBe(lock.info.id);
    expect(events.find((e) => e.code === 'lock.taken-over')?.message).toMatch(/process \d+ on this host is gone/);
  });

  it('does not take over a live local holder, nor a remote one it cannot probe', async () => {
    await plant(store, someoneElse({ host: hostname(), pid: process.ppid }));
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
    await plant(store, someoneElse({ host: 'elsewhere', pid: deadPid() }));
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
  });

  it('takes over a lock object that cannot be read', async () => {
    await plant(store, '{"half": ');
    const lock = await acquire();
    expect((await readLock(store, CLUSTER))?.info.id).toBe(lock.info.id);
  });

  it('gives exactly one of many concurrent acquirers the lock, and the others its holder', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquire()));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'LOCKED', info: { id: won[0]?.info.id } });
    }
  });

  it('gives a stale lock to exactly one of many processes that find it at once', async () => {
    await plant(store, someoneElse({ expires: new Date(0).toISOString() }));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquire()));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockHeldError)).toHaveLength(7);
  });

  it('renews itself on a timer, and on demand', async () => {
    let clock = Date.now();
    const { sink, until } = watched();
    const lock = await acquire({ ttlMs: 60_000, renewEveryMs: 20, now: () => clock, events: sink });
    const first = lock.info.expires;
    clock += 10_000;
    // A renewal that started before the clock moved may still report; wait for one after.
    const renewedUntil = new Date(clock + 60_000).toISOString();
    await until((e) => e.code === 'lock.renewed' && e.message.endsWith(`renewed until ${renewedUntil}`));
    expect(lock.info.expires).toBe(renewedUntil);
    expect((await readLock(store, CLUSTER))?.info.expires).toBe(lock.info.expires);
    expect(lock.info.expires).not.toBe(first);
    clock += 10_000;
    await lock.renew();
    expect((await readLock(store, CLUSTER))?.info.expires).toBe(new Date(clock + 60_000).toISOString());
  });

  it('knows when it was lost, and then leaves the new holder alone', async () => {
    const { sink, events } = recorder();
    const lock = await acquire({ events: sink, renewEveryMs: 0 });
    await breakLock(store, CLUSTER, { force: true });
    const next = await acquire();
    await expect(lock.renew()).rejects.toMatchObject({ code: 'LOCKED' });
    expect(lock.lost).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ level: 'error', code: 'lock.lost' }));
    await lock.release();
    expect((await readLock(store, CLUSTER))?.info.id).toBe(next.info.id);
  });

  it('breaks a lock on purpose, only the one that was seen', async () => {
    expect(await breakLock(store, CLUSTER)).toBeUndefined();
    const info = someoneElse();
    await plant(store, info);
    await expect(breakLock(store, CLUSTER, { expectedId: 'not-that-one' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await breakLock(store, CLUSTER, { expectedId: info.id })).toEqual(info);
    expect(await readLock(store, CLUSTER)).toBeUndefined();
  });

  it('refuses to break the lock of a process that is running on this host, naming it, unless forced', async () => {
    const info = someoneElse({ host: hostname(), pid: process.ppid, operation: 'rolling-update cluster' });
    await plant(store, info);
    const refused = await breakLock(store, CLUSTER, { expectedId: info.id }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LiveHolderError);
    expect(refused).toMatchObject({ code: 'LOCKED', info });
    const { message, hint } = refused as LiveHolderError;
    for (const part of ['alice@build-box', `pid ${process.ppid}`, '"rolling-update cluster"', 'running on this host', 'not broken']) expect(message).toContain(part);
    expect(hint).toContain(`hoist lock break ${CLUSTER} --force`);
    expect((await readLock(store, CLUSTER))?.info).toEqual(info);
    // Gone, or on another host (which this one cannot probe): broken as before.
    await plant(store, { ...info, pid: deadPid() });
    expect(await breakLock(store, CLUSTER)).toMatchObject({ id: info.id });
    await plant(store, { ...info, host: 'elsewhere' });
    expect(await breakLock(store, CLUSTER)).toMatchObject({ host: 'elsewhere' });
    await plant(store, info);
    expect(await breakLock(store, CLUSTER, { expectedId: info.id, force: true })).toEqual(info);
    expect(await readLock(store, CLUSTER)).toBeUndefined();
  });

  it('tells its holder, when asked before a change, that it was broken or taken over, and by whom', async () => {
    const { sink, events } = recorder();
    const lock = await acquire({ events: sink, renewEveryMs: 0 });
    expect(heldLock(store, CLUSTER)).toBe(lock);
    await checkLockHeld(store, CLUSTER);
    await lock.renew();
    await Promise.all([lock.check(), lock.check()]);

    await breakLock(store, CLUSTER, { force: true });
    const taker = someoneElse({ operation: 'rolling-update cluster' });
    await plant(store, taker);
    const lost = await checkLockHeld(store, CLUSTER).catch((e: unknown) => e);
    expect(lost).toMatchObject({ code: 'LOCKED' });
    expect((lost as HoistError).message).toContain('taken over by alice@build-box (pid 4242, "rolling-update cluster"');
    expect((lost as HoistError).message).toContain('stopped before changing anything more');
    expect(lock.lost).toBe(true);
    expect(events.filter((e) => e.code === 'lock.lost')).toHaveLength(1);
    // Lost stays lost, and the new holder's lock is left alone.
    await expect(lock.check()).rejects.toMatchObject({ code: 'LOCKED' });
    await lock.release();
    expect((await readLock(store, CLUSTER))?.info).toEqual(taker);
    expect(heldLock(store, CLUSTER)).toBeUndefined();
    await expect(checkLockHeld(store, CLUSTER)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('a holder whose lock was removed is told it was broken', async () => {
    const lock = await acquire({ renewEveryMs: 0 });
    await breakLock(store, CLUSTER, { force: true });
    await expect(lock.check()).rejects.toThrow(/the lock of demo\.example\.com is no longer held by this process: it was broken/);
  });

  it('rejects a cluster name that is not one path segment', async () => {
    await expect(acquireLock(store, 'a/b', { operation: 'x' })).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await expect(readLock(store, '')).rejects.toMatchObject({ code: 'INVALID_NAME' });
  });
});

describe('the cluster lock with a flaky store', () => {
  let opened: OpenedStore;
  beforeEach(async () => {
    opened = await openTestStore('memfs');
  });
  afterEach(async () => {
    await opened.cleanup();
  });

  it('recognises its own write when a retried create reports a conflict', async () => {
    const inner = opened.store;
    // What an SDK retry looks like: the first attempt was applied, the retry finds it in place.
    const store: ObjectStore = {
      url: inner.url,
      get: (k) => inner.get(k),
      list: (p) => inner.list(p),
      delete: (k, c) => inner.delete(k, c),
      put: async (k, body, condition) => {
        await inner.put(k, body, condition);
        throw new PreconditionFailedError(k, 'already exists');
      },
    };
    const lock = await acquireLock(store, CLUSTER, { operation: 'update cluster', releaseOnSignals: false, renewEveryMs: 0 });
    expect((await readLock(inner, CLUSTER))?.info.id).toBe(lock.info.id);
  });

  it('reports a failed renewal as a warning and keeps the lock', async () => {
    const inner = opened.store;
    let failing = false;
    const store: ObjectStore = {
      url: inner.url,
      get: (k) => inner.get(k),
      list: (p) => inner.list(p),
      delete: (k, c) => inner.delete(k, c),
      put: (k, body, c) => (failing ? Promise.reject(new HoistError('STORE', 'network down')) : inner.put(k, body, c)),
    };
    const { sink, until } = watched();
    const lock = await acquireLock(store, CLUSTER, { operation: 'x', renewEveryMs: 10, events: sink, releaseOnSignals: false });
    failing = true;
    const failed = await until((e) => e.code === 'lock.renew-failed');
    failing = false;
    expect(failed).toMatchObject({ level: 'warn', message: expect.stringContaining('network down') });
    expect(lock.lost).toBe(false);
    await lock.renew();
    await lock.release();
    expect(await readLock(inner, CLUSTER)).toBeUndefined();
  });
});

describe('releasing locks on signals', () => {
  let opened: OpenedStore;
  beforeEach(async () => {
    opened = await openTestStore('memfs');
  });
  afterEach(async () => {
    await opened.cleanup();
  });

  it('installs its handlers while a lock is held, releases on the signal, then exits 128+n', async () => {
    const exits: number[] = [];
    const previous = configureSignalRelease({ signals: ['SIGUSR2'], exit: (code) => exits.push(code) });
    try {
      const baseline = process.listenerCount('SIGUSR2');
      const lock = await acquireLock(opened.store, CLUSTER, { operation: 'x' });
      expect(process.listenerCount('SIGUSR2')).toBe(baseline + 1);
      process.emit('SIGUSR2', 'SIGUSR2');
      await expect.poll(() => exits).toEqual([140]);
      expect(lock.released).toBe(true);
      expect(await readLock(opened.store, CLUSTER)).toBeUndefined();
      expect(process.listenerCount('SIGUSR2')).toBe(baseline);
    } finally {
      configureSignalRelease(previous);
    }
  });

  it('removes its handlers when the lock is released normally', async () => {
    const baseline = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const lock = await acquireLock(opened.store, CLUSTER, { operation: 'x' });
    expect(process.listenerCount('SIGTERM')).toBe(baseline.term + 1);
    await lock.release();
    expect({ int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') }).toEqual(baseline);
  });
});
