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
import { historyKey } from '../../state-store/layout.js';
import { BACKENDS, openTestStore } from './fixtures/backends.js';
import type { OpenedStore } from './fixtures/backends.js';
import { createChange, pairChange, pairOf } from './fixtures/spec-pair.js';
import type { PairVersion } from './fixtures/spec-pair.js';

const NAME = 'atomic.k8s.local';
const meta = { command: 'test change' };
let opened: OpenedStore | undefined;
afterEach(async () => {
  await opened?.cleanup();
  opened = undefined;
});

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
      expect((await listRevisionNumbers(opened.store, NAME)).length).toBe(changes);
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
        // The next creation rolls back the unfinished one and takes revision 1 itself.
        await clients.commit(createChange(name, 1), meta);
        expect((await listRevisionNumbers(opened.store, name))).toEqual([1]);
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
