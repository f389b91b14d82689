/** coalesceReads: reads in flight at the same time share one request; writes end the sharing. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../state-store/backends/file.js';
import { coalesceReads } from '../../state-store/coalesce.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { tempDir } from '../support/cli.js';

/** A folder store that counts the requests that reach it. */
function counted(store: ObjectStore): { store: ObjectStore; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    store: {
      url: store.url,
      get: (key) => (calls.push(`get ${key}`), store.get(key)),
      list: (prefix) => (calls.push(`list ${prefix}`), store.list(prefix)),
      put: (key, body, condition) => (calls.push(`put ${key}`), store.put(key, body, condition)),
      delete: (key, condition) => (calls.push(`delete ${key}`), store.delete(key, condition)),
    },
  };
}

const text = (o: { body: Uint8Array } | undefined) => (o === undefined ? undefined : Buffer.from(o.body).toString('utf8'));

describe('coalesceReads', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let folder: FileStore;
  beforeAll(async () => {
    dir = await tempDir('hoist-coalesce-');
    folder = new FileStore(dir.path);
    await folder.put('c/history/00000001', 'one');
    await folder.put('c/history/00000002', 'two');
  });
  afterAll(async () => dir.cleanup());

  it('sends one request for reads of a key or prefix started while the first is in flight, and a new one after', async () => {
    const { store, calls } = counted(folder);
    const shared = coalesceReads(store);
    const [a, b, l1, l2] = await Promise.all([shared.get('c/history/00000002'), shared.get('c/history/00000002'), shared.list('c/history/'), shared.list('c/history/')]);
    expect([text(a), text(b)]).toEqual(['two', 'two']);
    expect(calls).toEqual(['get c/history/00000002', 'list c/history/']);
    // Each caller has its own array: one reversing it does not change the other's.
    l1.reverse();
    expect(l2).toEqual(['c/history/00000001', 'c/history/00000002']);
    expect(text(await shared.get('c/history/00000002'))).toBe('two');
    expect(calls).toEqual(['get c/history/00000002', 'list c/history/', 'get c/history/00000002']);
  });

  it('does not hand a read that starts after a write the answer of one that started before it', async () => {
    const { store, calls } = counted(folder);
    const shared = coalesceReads(store);
    const before = shared.get('c/history/00000001');
    const listedBefore = shared.list('c/history/');
    await shared.put('c/history/00000001', 'changed');
    await shared.put('c/history/00000003', 'three');
    const [after, listedAfter] = await Promise.all([shared.get('c/history/00000001'), shared.list('c/history/')]);
    expect(text(after)).toBe('changed');
    expect(listedAfter).toContain('c/history/00000003');
    await Promise.all([before, listedBefore]);
    expect(calls.filter((c) => c === 'get c/history/00000001')).toHaveLength(2);
    expect(calls.filter((c) => c === 'list c/history/')).toHaveLength(2);
    await shared.delete('c/history/00000003');
    expect(await shared.list('c/history/')).not.toContain('c/history/00000003');
  });

  it('shares a failed read with the reads that joined it, and tries again after', async () => {
    let fail = true;
    const flaky: ObjectStore = { ...counted(folder).store, get: async (key) => (fail ? Promise.reject(new Error(`no ${key}`)) : folder.get(key)) };
    const shared = coalesceReads(flaky);
    const results = await Promise.allSettled([shared.get('c/history/00000002'), shared.get('c/history/00000002')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(text(await shared.get('c/history/00000002'))).toBe('two');
  });
});
