/**
 * A change of several spec objects is all or nothing as readers see it, and history records
 * exactly the changes that took effect: a commit is stopped at every step of its writes, as a
 * crash would stop it (crash-points.ts), on each backend; readers run alongside a writer.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { Clientset } from '../../state-store/clientset.js';
import type { SpecChange } from '../../state-store/clientset.js';
import { CrashPoints, withCrashPoints } from '../../state-store/crash-points.js';
import { hostname } from 'node:os';
import { listRevisionNumbers, listRevisions, readRevision } from '../../state-store/history.js';
import { clusterConfigKey, historyKey, instanceGroupKey } from '../../state-store/layout.js';
import type { ObjectStore, PutCondition, StoredObject } from '../../state-store/object-store.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import { BACKENDS, openTestStore } from './fixtures/backends.js';
import type { OpenedStore } from './fixtures/backends.js';
import { NODES, createChange, pairChange, pairOf } from './fixtures/spec-pair.js';
import type { PairVersion } from './fixtures/spec-pair.js';

const NAME = 'atomic.k8s.local';
const meta = { command: 'test change' };
let opened: OpenedStore | undefined;
afterEach(async () => {
  await opened?.cleanup();
  opened = undefined;
});

/** How many changes are unfinished: pending records (a rolled-back change leaves an aborted one). */
async function unfinished(store: ObjectStore, name: string): Promise<number> {
  const records = await Promise.all((await listRevisionNumbers(store, name)).map((rev) => readRevision(store, name, rev)));
  return records.filter((r) => r?.record.pending !== undefined).length;
}

/** Commits `change` through a store that stops at step `n`; true when it stopped. */
async function commitStoppingAt(opened: OpenedStore, n: number, change: SpecChange): Promise<boolean> {
  const points = new CrashPoints(n, () => undefined);
  const dying = new Clientset(withCrashPoints(opened.store, points));
  const outcome = await dying.commit(change, meta).then(
    () => 'committed',
    (e: unknown) => e,
  );
  if (!points.crashed) expect(outcome).toBe('committed');
  return points.crashed;
}

describe.each(BACKENDS)('a spec change of two objects on %s', (backend) => {
  it('stopped at every step: readers see the old pair or the new one, and history one revision per change that took effect', async () => {
    opened = await openTestStore(backend);
    const clients = new Clientset(opened.store);
    await clients.commit(createChange(NAME, 1), meta);
    const revisions = async () => (await listRevisions(opened!.store, NAME)).length;
    let visible: PairVersion = 1;
    let changes = 1;
    let n = 1;
    for (; n < 30; n++) {
      const target: PairVersion = visible === 1 ? 2 : 1;
      const stopped = await commitStoppingAt(opened, n, pairChange(NAME, (await clients.getSpecSet(NAME))!, target));
      const seen = pairOf(await clients.getSpecSet(NAME));
      expect([visible, target], `stopped at step ${n}`).toContain(seen);
      if (seen === target) [visible, changes] = [target, changes + 1];
      expect(await revisions(), `stopped at step ${n}`).toBe(changes);
      if (!stopped) break;

      // The next writer rolls back what is unfinished, then makes the same change, once.
      const again = pairChange(NAME, (await clients.getSpecSet(NAME))!, target);
      if (seen !== target) {
        await clients.commit(again, meta);
        [visible, changes] = [target, changes + 1];
      }
      expect(pairOf(await clients.getSpecSet(NAME))).toBe(target);
      expect(await revisions()).toBe(changes);
      // No unfinished record is left behind either.
      expect(await unfinished(opened.store, NAME)).toBe(0);
    }
    // Steps: the pending revision, the two objects, the completion.
    expect(n).toBeGreaterThanOrEqual(4);
  });

  it('a creation stopped at every step: the cluster exists whole or not at all', async () => {
    opened = await openTestStore(backend);
    const clients = new Clientset(opened.store);
    let n = 1;
    for (; n < 30; n++) {
      // A cluster of its own for each step.
      const name = `c${n}.${NAME}`;
      const stopped = await commitStoppingAt(opened, n, createChange(name, 1));
      const seen = pairOf(await clients.getSpecSet(name));
      expect([1, 'none'], `stopped at step ${n}`).toContain(seen);
      expect((await clients.listClusters()).includes(name), `stopped at step ${n}`).toBe(seen === 1);
      expect((await listRevisions(opened.store, name)).length).toBe(seen === 'none' ? 0 : 1);
      if (!stopped) break;
      if (seen === 'none') {
        // The next creation rolls back the unfinished one and takes the next number.
        const rev = await clients.commit(createChange(name, 1), meta);
        expect((await listRevisions(opened.store, name)).map((r) => r.rev)).toEqual([rev.rev]);
        expect(await unfinished(opened.store, name)).toBe(0);
        expect(pairOf(await clients.getSpecSet(name))).toBe(1);
        expect(await clients.listClusters()).toContain(name);
      }
    }
    // Steps: the pending revision, three objects, the completion.
    expect(n).toBeGreaterThanOrEqual(5);
  });
});

describe('an unfinished change', () => {
  it('is not rolled back while its writer is a live process of this host', async () => {
    opened = await openTestStore('memfs');
    const clients = new Clientset(opened.store);
    await clients.commit(createChange(NAME, 1), meta);
    // Stopped at step 2: its revision is claimed, no object is written yet.
    expect(await commitStoppingAt(opened, 2, pairChange(NAME, (await clients.getSpecSet(NAME))!, 2))).toBe(true);
    const claimed = (await readRevision(opened.store, NAME, 2))!;
    const live = { ...claimed.record, pending: { ...claimed.record.pending!, host: hostname(), pid: process.ppid } };
    await opened.store.put(historyKey(NAME, 2), JSON.stringify(live), { ifMatch: claimed.etag });

    const next = clients.commit(pairChange(NAME, (await clients.getSpecSet(NAME))!, 2), meta);
    await expect(next).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`still being written by a live process of this host`) });
    expect(pairOf(await clients.getSpecSet(NAME))).toBe(1);
    expect(await listRevisionNumbers(opened.store, NAME)).toEqual([1, 2]);
    expect((await listRevisions(opened.store, NAME)).map((r) => r.rev)).toEqual([1]);
  });
});

describe('an unfinished change of a process that was killed', () => {
  it('is rolled back once it is older than a lock lives, even when its pid now belongs to a live process', async () => {
    opened = await openTestStore('memfs');
    const clients = new Clientset(opened.store);
    await clients.commit(createChange(NAME, 1), meta);
    expect(await commitStoppingAt(opened, 2, pairChange(NAME, (await clients.getSpecSet(NAME))!, 2))).toBe(true);
    const claimed = (await readRevision(opened.store, NAME, 2))!;
    // Claimed ten minutes ago by a process of this host whose pid was given to another since.
    const time = new Date(Date.now() - 10 * 60_000).toISOString();
    const reused = { ...claimed.record, time, pending: { ...claimed.record.pending!, host: hostname(), pid: process.ppid } };
    await opened.store.put(historyKey(NAME, 2), JSON.stringify(reused), { ifMatch: claimed.etag });

    const rev = await clients.commit(pairChange(NAME, (await clients.getSpecSet(NAME))!, 2), meta);
    expect(rev.rev).toBe(3);
    expect(pairOf(await clients.getSpecSet(NAME))).toBe(2);
    expect((await listRevisions(opened.store, NAME)).map((r) => r.rev)).toEqual([1, 3]);
    expect(await unfinished(opened.store, NAME)).toBe(0);
  });
});

describe.each(['file', 's3'] as const)('readers alongside a writer on %s', (backend) => {
  it('every read is the old pair or the new one', async () => {
    opened = await openTestStore(backend);
    const writer = new Clientset(opened.store);
    await writer.commit(createChange(NAME, 1), meta);
    let writing = true;
    const seen: (PairVersion | 'mixed' | 'none')[] = [];
    const reader = async () => {
      const clients = new Clientset(opened!.store);
      while (writing) seen.push(pairOf(await clients.getSpecSet(NAME)));
    };
    const write = async () => {
      for (let i = 0; i < 8; i++) {
        const target: PairVersion = i % 2 === 0 ? 2 : 1;
        await writer.commit(pairChange(NAME, (await writer.getSpecSet(NAME))!, target), meta);
      }
      writing = false;
    };
    await Promise.all([write(), reader(), reader()]);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((s) => s !== 1 && s !== 2)).toEqual([]);
    expect((await listRevisions(opened.store, NAME)).length).toBe(9);
  });
});

/**
 * The store as an S3 client that retries sees it: the write of a history record is done, its
 * response is lost, and the retry of the same conditional write gets 412.
 */
function lostResponses(store: ObjectStore, lose: (condition: PutCondition | undefined) => boolean): ObjectStore {
  return {
    url: store.url,
    get: (key) => store.get(key),
    list: (prefix) => store.list(prefix),
    delete: (key, condition) => store.delete(key, condition),
    put: async (key, body, condition) => {
      const done = await store.put(key, body, condition);
      if (key.includes('/history/') && lose(condition)) throw new PreconditionFailedError(key, 'the retry found it changed');
      return done;
    },
  };
}

describe.each(BACKENDS)('a write of a history record whose response is lost, retried, on %s', (backend) => {
  it('the completion: the change is recorded and stays, nothing is undone', async () => {
    opened = await openTestStore(backend);
    const clients = new Clientset(opened.store);
    await clients.commit(createChange(NAME, 1), meta);
    const retried = new Clientset(lostResponses(opened.store, (c) => c !== undefined && 'ifMatch' in c));
    const rev = await retried.commit(pairChange(NAME, (await clients.getSpecSet(NAME))!, 2), meta);
    expect(rev.rev).toBe(2);
    expect(pairOf(await clients.getSpecSet(NAME))).toBe(2);
    expect((await listRevisions(opened.store, NAME)).map((r) => r.rev)).toEqual([1, 2]);
    expect((await readRevision(opened.store, NAME, 2))!.record.pending).toBeUndefined();
  });

  it('the claim: the change takes the record it claimed, no unfinished record is left', async () => {
    opened = await openTestStore(backend);
    const clients = new Clientset(opened.store);
    await clients.commit(createChange(NAME, 1), meta);
    const retried = new Clientset(lostResponses(opened.store, (c) => c !== undefined && 'ifNoneMatch' in c));
    expect((await retried.commit(pairChange(NAME, (await clients.getSpecSet(NAME))!, 2), meta)).rev).toBe(2);
    expect(pairOf(await clients.getSpecSet(NAME))).toBe(2);
    expect(await listRevisionNumbers(opened.store, NAME)).toEqual([1, 2]);
    expect((await listRevisions(opened.store, NAME)).map((r) => r.rev)).toEqual([1, 2]);
  });
});

describe.each(BACKENDS)('a reader while a change is made and rolled back on %s', (backend) => {
  it('sees the old pair, never the rolled-back Cluster with the old group', async () => {
    opened = await openTestStore(backend);
    const store = opened.store;
    const clients = new Clientset(store);
    await clients.commit(createChange(NAME, 1), meta);
    const change = pairChange(NAME, (await clients.getSpecSet(NAME))!, 2);
    // Between the reader's read of the history and its read of the Cluster, another writer
    // claims a change of the pair, writes the Cluster, fails to write the group and undoes its
    // change. The reader gets the Cluster as it was for that moment.
    const configKey = clusterConfigKey(NAME);
    const failing: ObjectStore = {
      url: store.url,
      get: (key) => store.get(key),
      list: (prefix) => store.list(prefix),
      delete: (key, condition) => store.delete(key, condition),
      put: async (key, body, condition) => {
        if (key === instanceGroupKey(NAME, NODES)) throw new Error('connection reset');
        return store.put(key, body, condition);
      },
    };
    let interleaved = false;
    const reading: ObjectStore = {
      url: store.url,
      list: (prefix) => store.list(prefix),
      put: (key, body, condition) => store.put(key, body, condition),
      delete: (key, condition) => store.delete(key, condition),
      ...(store.listWithEtags ? { listWithEtags: (prefix: string) => store.listWithEtags!(prefix) } : {}),
      get: async (key) => {
        if (key !== configKey || interleaved) return store.get(key);
        interleaved = true;
        let midway: StoredObject | undefined;
        const watching: ObjectStore = {
          ...failing,
          put: async (k, body, condition) => {
            const done = await failing.put(k, body, condition);
            // The first write of the Cluster is the change; a later one is its undo.
            if (k === configKey) midway ??= await store.get(k);
            return done;
          },
        };
        await expect(new Clientset(watching).commit(change, meta)).rejects.toThrow('connection reset');
        expect(midway).toBeDefined();
        return midway;
      },
    };
    expect(pairOf(await new Clientset(reading).getSpecSet(NAME))).toBe(1);
    expect(interleaved).toBe(true);
    // The change that did not take effect is no revision, and the next one is recorded.
    expect((await listRevisions(store, NAME)).map((r) => r.rev)).toEqual([1]);
    await clients.commit(pairChange(NAME, (await clients.getSpecSet(NAME))!, 2), meta);
    expect(pairOf(await clients.getSpecSet(NAME))).toBe(2);
    expect(await listRevisions(store, NAME)).toHaveLength(2);
  });
});
