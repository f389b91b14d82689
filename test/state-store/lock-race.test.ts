/**
 * Twenty processes race for one cluster lock, on s3:// (moto), on gs:// (the fake GCS, served from
 * this process) and on file://: exactly one wins,
 * and every loser exits 1 with a message that names the winner; likewise when they all find an
 * expired lock and try to take it over. Then, a process holding the
 * lock releases it when it is sent SIGTERM or SIGINT, and exits 143 or 130.
 */

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { S3Store } from '../../state-store/backends/s3.js';
import type { LockInfo } from '../../state-store/lock.js';
import { readLock } from '../../state-store/lock.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import { createTestBucket, motoEnv } from '../support/moto.js';
import { FakeGcs } from '../support/fake-gcs/server.js';
import { createTestBucket as createGcsBucket, gcsEnv } from '../support/fake-gcs/env.js';
import type { BuiltFixture } from './fixtures/bundle.js';
import { bundleFixture } from './fixtures/bundle.js';
import type { Child } from './fixtures/children.js';
import { Children } from './fixtures/children.js';

const RACERS = 20;
const ROUNDS = 3;
let holder: BuiltFixture;

beforeAll(async () => {
  holder = await bundleFixture('./lock-holder.ts');
});
afterAll(async () => {
  await holder?.cleanup();
});

interface Backend {
  readonly url: string;
  readonly env: Readonly<Record<string, string>>;
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

function expiredLock(): LockInfo {
  return {
    id: 'expired',
    holder: 'bob@gone-host',
    host: 'gone-host',
    pid: 1234,
    operation: 'update cluster',
    started: new Date(Date.now() - 120_000).toISOString(),
    expires: new Date(Date.now() - 60_000).toISOString(),
  };
}

async function fileBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-race-'));
  const url = pathToFileURL(dir).href;
  return {
    url,
    env: {},
    store: await openStore(url),
    cleanup: async () => {
      try {
        // Nothing but the store's objects may be left: no temp files, no per-key mutexes.
        expect(await readdir(dir, { recursive: true })).toEqual(expect.not.arrayContaining([expect.stringMatching(/\.hoist-/)]));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function s3Backend(): Promise<Backend> {
  const url = `s3://${await createTestBucket('hoist-race')}`;
  const store = await openStore(url, { env: motoEnv() });
  return { url, env: motoEnv(), store, cleanup: async () => (store as S3Store).close() };
}

async function gcsBackend(): Promise<Backend> {
  const fake = await FakeGcs.start();
  const url = `gs://${createGcsBucket(fake, 'hoist-race')}`;
  const store = await openStore(url, { env: gcsEnv(fake) });
  return { url, env: gcsEnv(fake), store, cleanup: () => fake.stop() };
}

// gs:// runs one round of each kind: the rounds of file and s3 already show that no state is
// carried from one round to the next, and each round of twenty processes costs seconds.
describe.each([
  ['file', fileBackend, ROUNDS],
  ['s3', s3Backend, ROUNDS],
  ['gcs', gcsBackend, 1],
] as const)('the cluster lock across processes on %s', (_name, makeBackend, freshRounds) => {
  const children = new Children();
  let backend: Backend;

  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterEach(async () => {
    await children.killAll();
  });
  afterAll(async () => {
    await children.killAll();
    await backend?.cleanup();
  });

  // The last round starts from an expired lock: all twenty try to take it over at once.
  const rounds = Array.from({ length: freshRounds + 1 }, (_, i) => ({ round: i + 1, stale: i === freshRounds }));

  it.each(rounds)(`has exactly one winner among ${RACERS} processes (round $round, stale lock: $stale)`, async ({ round, stale }) => {
    const cluster = `race-${round}.example.com`;
    if (stale) await backend.store.put(`${cluster}/lock`, JSON.stringify(expiredLock()));
    const racers = Array.from({ length: RACERS }, () => children.spawn(holder.path, [backend.url, cluster, 'race'], backend.env));
    // Twenty processes starting at once on two busy cores can take a while.
    await Promise.all(racers.map((c) => c.line('READY', 45_000)));
    for (const racer of racers) racer.send('go');

    // Every racer either prints WON or exits; a winner keeps the lock until told to release it.
    const outcomes = await Promise.all(
      racers.map((c) => Promise.race([c.line('WON').then(() => 'won' as const), c.exited.then(() => 'exited' as const)])),
    );
    const winners = racers.filter((_, i) => outcomes[i] === 'won');
    expect(winners.map((w) => w.pid), 'winners').toHaveLength(1);
    const winner = winners[0] as Child;

    const losers = racers.filter((c) => c !== winner);
    for (const loser of losers) {
      const exit = await loser.exited;
      expect({ code: exit.code, stderr: loser.stderr() }).toEqual({
        code: 1,
        stderr: expect.stringMatching(new RegExp(`cluster ${cluster} is locked by \\S+@\\S+ \\(pid ${winner.pid}\\), running "race"`)),
      });
    }

    const lock = await readLock(backend.store, cluster);
    expect(lock?.info.pid).toBe(winner.pid);
    winner.send('release');
    expect((await winner.exited).code).toBe(0);
    expect(await readLock(backend.store, cluster)).toBeUndefined();
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('releases the lock on %s and exits %i', async (signal, code) => {
    const cluster = `signal-${signal.toLowerCase()}.example.com`;
    const child = children.spawn(holder.path, [backend.url, cluster, 'hold'], backend.env);
    await child.line('HELD');
    expect((await readLock(backend.store, cluster))?.info.pid).toBe(child.pid);
    process.kill(child.pid, signal);
    expect(await child.exited).toEqual({ code, signal: null });
    expect(await readLock(backend.store, cluster)).toBeUndefined();
  });
});
