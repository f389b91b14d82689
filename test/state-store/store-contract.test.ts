/**
 * The ObjectStore contract, run unchanged against every backend: what holds on memfs:// must
 * hold on a real folder and on S3 (moto).
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HoistError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import type { OpenedStore } from './fixtures/backends.js';
import { BACKENDS, openTestStore } from './fixtures/backends.js';

const text = (body: Uint8Array) => new TextDecoder().decode(body);

async function bodyOf(store: ObjectStore, key: string): Promise<string | undefined> {
  const object = await store.get(key);
  return object === undefined ? undefined : text(object.body);
}

async function expectPreconditionFailed(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PreconditionFailedError);
  expect((e as HoistError).code).toBe('CONFLICT');
}

describe.each(BACKENDS)('ObjectStore contract on %s', (backend) => {
  let opened: OpenedStore;
  let store: ObjectStore;

  beforeEach(async () => {
    opened = await openTestStore(backend);
    store = opened.store;
  });
  afterEach(async () => {
    await opened.cleanup();
  });

  it('gets nothing for a missing key, and what was put for a present one', async () => {
    expect(await store.get('demo/config')).toBeUndefined();
    const { etag } = await store.put('demo/config', 'kind: Cluster\n');
    const object = await store.get('demo/config');
    expect(object && text(object.body)).toBe('kind: Cluster\n');
    expect(object?.etag).toBe(etag);
  });

  it('keeps binary bodies byte for byte', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.put('demo/pki/blob', bytes);
    expect(Array.from((await store.get('demo/pki/blob'))?.body ?? [])).toEqual(Array.from(bytes));
  });

  it('replaces on an unconditional put, with a new ETag', async () => {
    const first = await store.put('k', 'one');
    const second = await store.put('k', 'two');
    expect(second.etag).not.toBe(first.etag);
    expect(await bodyOf(store, 'k')).toBe('two');
  });

  it('deletes, and deleting a missing key without a condition is fine', async () => {
    await store.put('a/b', 'x');
    await store.delete('a/b');
    expect(await store.get('a/b')).toBeUndefined();
    await store.delete('a/b');
    await store.delete('never/was');
  });

  it('lists every key under a prefix, sorted, including partial-segment prefixes', async () => {
    const keys = ['c/instancegroup/nodes-b', 'c/config', 'c/instancegroup/nodes-a', 'c/history/00000001', 'other/config', 'c2/config'];
    for (const key of keys) await store.put(key, key);
    expect(await store.list('c/')).toEqual(['c/config', 'c/history/00000001', 'c/instancegroup/nodes-a', 'c/instancegroup/nodes-b']);
    expect(await store.list('c/instancegroup/nodes-')).toEqual(['c/instancegroup/nodes-a', 'c/instancegroup/nodes-b']);
    expect(await store.list('c')).toEqual([...keys].filter((k) => k.startsWith('c')).sort());
    expect(await store.list('')).toEqual([...keys].sort());
    expect(await store.list('nothing/')).toEqual([]);
  });

  describe('ifNoneMatch: "*"', () => {
    it('creates a missing object', async () => {
      const { etag } = await store.put('lockish', 'mine', { ifNoneMatch: '*' });
      expect((await store.get('lockish'))?.etag).toBe(etag);
    });

    it('fails on an existing object and leaves it unchanged', async () => {
      await store.put('lockish', 'first');
      await expectPreconditionFailed(store.put('lockish', 'second', { ifNoneMatch: '*' }));
      expect(await bodyOf(store, 'lockish')).toBe('first');
    });

    it('lets exactly one of many concurrent creators win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.put('race', `writer ${i}`, { ifNoneMatch: '*' })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      expect((await store.get('race'))?.etag).toBe((won[0] as PromiseFulfilledResult<{ etag: string }>).value.etag);
    });
  });

  describe('ifMatch', () => {
    it('replaces when the ETag is current', async () => {
      const { etag } = await store.put('spec', 'v1');
      const next = await store.put('spec', 'v2', { ifMatch: etag });
      expect(await bodyOf(store, 'spec')).toBe('v2');
      expect((await store.get('spec'))?.etag).toBe(next.etag);
    });

    it('fails on a stale ETag and leaves the body unchanged', async () => {
      const { etag: stale } = await store.put('spec', 'v1');
      await store.put('spec', 'v2 by someone else');
      await expectPreconditionFailed(store.put('spec', 'v3 from a stale read', { ifMatch: stale }));
      expect(await bodyOf(store, 'spec')).toBe('v2 by someone else');
    });

    it('fails when the object is gone', async () => {
      const { etag } = await store.put('spec', 'v1');
      await store.delete('spec');
      await expectPreconditionFailed(store.put('spec', 'v2', { ifMatch: etag }));
      expect(await store.get('spec')).toBeUndefined();
    });

    it('lets exactly one of many concurrent writers of the same version win', async () => {
      const { etag } = await store.put('spec', 'v1');
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put('spec', `v2 by writer ${i}`, { ifMatch: etag })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });
  });

  describe('conditional delete', () => {
    it('deletes when the ETag is current', async () => {
      const { etag } = await store.put('lock', 'x');
      await store.delete('lock', { ifMatch: etag });
      expect(await store.get('lock')).toBeUndefined();
    });

    it('fails on a stale ETag and keeps the object', async () => {
      const { etag: stale } = await store.put('lock', 'old holder');
      await store.put('lock', 'new holder');
      await expectPreconditionFailed(store.delete('lock', { ifMatch: stale }));
      expect(await bodyOf(store, 'lock')).toBe('new holder');
    });

    it('fails when the object is already gone', async () => {
      const { etag } = await store.put('lock', 'x');
      await store.delete('lock');
      await expectPreconditionFailed(store.delete('lock', { ifMatch: etag }));
    });
  });

  describe('key validation', () => {
    const bad = ['../x', 'a/../../x', '/abs', 'a//b', 'a/', '', '.', 'a/./b', 'a\\b', 'a\0b', 'C:/x', 'x.hoist-tmp', 'a/b.hoist-lock'];

    it.each(bad)('rejects %j on get, put and delete', async (key) => {
      for (const op of [() => store.get(key), () => store.put(key, 'x'), () => store.delete(key)]) {
        await expect(op()).rejects.toMatchObject({ code: 'INVALID_NAME' });
      }
    });

    it('rejects bad listing prefixes but takes empty, trailing-slash and partial ones', async () => {
      await expect(store.list('../')).rejects.toMatchObject({ code: 'INVALID_NAME' });
      await expect(store.list('/abs')).rejects.toMatchObject({ code: 'INVALID_NAME' });
      await expect(store.list('a//')).rejects.toMatchObject({ code: 'INVALID_NAME' });
      await expect(store.list('')).resolves.toEqual([]);
      await expect(store.list('a/')).resolves.toEqual([]);
      await expect(store.list('a/b')).resolves.toEqual([]);
    });
  });
});
