/** The machine-wide registry of local clouds and range claims: stale entries never hold a range. */

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstFreeRange, holderOf, listeningLoopbackAddresses, reserveRange } from '../../cloudup/local/ranges.js';
import { blocksOf, liveClaims, runningClouds } from '../../cloudup/local/registry.js';

let dir: string;
let env: Record<string, string>;
let store: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-registry-'));
  env = { HOIST_LOCAL_CLOUD_REGISTRY: join(dir, 'registry') };
  store = pathToFileURL(join(dir, 'store')).href;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (cluster: string) => ({ cluster, store, dir: join(dir, 'cloud') });
const old = new Date(Date.now() - 3600_000).toISOString();

describe('the local cloud registry', () => {
  it('maps ranges to the /16 blocks they cover', () => {
    expect(blocksOf(0x7f140000, 16)).toEqual([20]);
    expect(blocksOf(0x7f142000, 19)).toEqual([20]);
    expect(blocksOf(0x7f100000, 12)).toEqual(Array.from({ length: 16 }, (_, i) => 16 + i));
  });

  it('gives two creates two ranges, steers defaults around live claims, and takes over a stale one', async () => {
    const [a, b] = await Promise.all([reserveRange(env, request('a.k8s.local')), reserveRange(env, request('b.k8s.local'))]);
    expect(a.ok && b.ok).toBe(true);
    expect(a.cidr).not.toBe(b.cidr);
    // The same range asked for explicitly by a third cluster: given, but not held, and it says by whom it is claimed.
    const shared = await reserveRange(env, request('c.k8s.local'), a.cidr);
    expect(shared.ok && shared.unclaimed).toContain(`${a.cidr} is claimed by cluster a.k8s.local`);
    // A claim whose cluster is not in its file:// store, past the grace minute, is stale.
    const ranges = join(env.HOIST_LOCAL_CLOUD_REGISTRY!, 'ranges');
    writeFileSync(join(ranges, '127.77.json'), JSON.stringify({ cidr: '127.77.0.0/16', cluster: 'gone.k8s.local', store, dir, at: old }));
    expect(liveClaims(env).map((c) => c.cluster)).not.toContain('gone.k8s.local');
    const taken = await reserveRange(env, request('d.k8s.local'), '127.77.0.0/16');
    expect(taken.ok && taken.unclaimed).toBeUndefined();
    // ... while one whose cluster is still in its store holds.
    mkdirSync(join(dir, 'store', 'kept.k8s.local'), { recursive: true });
    writeFileSync(join(dir, 'store', 'kept.k8s.local', 'config'), 'kind: Cluster\n');
    writeFileSync(join(ranges, '127.78.json'), JSON.stringify({ cidr: '127.78.0.0/16', cluster: 'kept.k8s.local', store, dir, at: old }));
    const held = await reserveRange(env, request('e.k8s.local'), '127.78.0.0/16');
    expect(held.ok && held.unclaimed).toContain('claimed by cluster kept.k8s.local');
    // A default never lands on a claimed range.
    const free = await reserveRange(env, request('f.k8s.local'));
    expect(free.ok && [free.cidr, free.unclaimed]).toEqual([expect.not.stringMatching(/^127\.(77|78)\./), undefined]);
    expect([a.cidr, b.cidr]).not.toContain(free.cidr);
  });

  it('ignores and removes the entry of a daemon that is gone', () => {
    const clouds = join(env.HOIST_LOCAL_CLOUD_REGISTRY!, 'clouds');
    mkdirSync(clouds, { recursive: true });
    writeFileSync(join(clouds, 'dead.json'), JSON.stringify({ dir: '/nowhere', pid: 2 ** 22 + 1, endpoint: 'http://127.0.0.1:1' }));
    expect(runningClouds(env)).toEqual([]);
    expect(readdirSync(clouds)).toEqual([]);
  });

  it('counts an address some process listens on, and skips its range', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.224.0.7', port: 0 }, resolve));
    try {
      const held = listeningLoopbackAddresses().map((a) => ({ cidr: `${a}/32`, by: a, kind: 'address' as const }));
      expect(holderOf('127.224.0.0/16', held)?.by).toBe('127.224.0.7');
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(firstFreeRange([{ cidr: '127.20.0.5/32', by: 'x', kind: 'address' }])).toBe('127.21.0.0/16');
    expect(firstFreeRange([])).toBe('127.20.0.0/16');
  });
});
