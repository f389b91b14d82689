/**
 * The roll's promises that a user relies on while it runs, on a virtual clock: a surged machine
 * goes only after its replacement runs (also with --cloudonly), its counts stay true when it
 * continues a killed run, a long wait says what it waits for at least every 15 s, and it stops
 * before its next change when its guard (the CLI's lock check) refuses.
 */

import { describe, expect, it } from 'vitest';
import { HoistError } from '../../src/errors.js';
import type { HoistEvent } from '../../src/output/events.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import type { RollOptions } from '../../cloudup/rolling/roll.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import { openStore } from '../../state-store/open.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { MemoryRollingCloud } from './memory-rolling-cloud.js';
import { memoryRollingCloud } from './memory-rolling-cloud.js';

const CLUSTER = 'roll.example.com';

/** Time moves only when the roll sleeps. */
function virtualClock() {
  const clock = { t: 1_000_000, now: () => clock.t, sleep: async (ms: number) => void (clock.t += ms) };
  return clock;
}

const memoryStore = () => openStore(`memfs://roll-safety-${Math.random().toString(36).slice(2)}`);

async function roll(world: MemoryRollingCloud, clock: ReturnType<typeof virtualClock>, overrides: Partial<RollOptions> & { store?: ObjectStore } = {}) {
  const events: (HoistEvent & { at: number })[] = [];
  const store = overrides.store ?? (await memoryStore());
  const run = rollingUpdate(world.cloud, {
    settings: () => ({ maxSurge: 1, maxUnavailable: 0 }),
    validationTimeoutMs: 15 * 60_000,
    validateCount: 1,
    nodeIntervalMs: 0,
    controlPlaneIntervalMs: 0,
    drainTimeoutMs: 60_000,
    failOnValidateError: true,
    recorder: await RollRecorder.open(store, CLUSTER),
    events: (e) => events.push({ ...e, at: clock.t }),
    pollMs: 5_000,
    now: clock.now,
    sleep: clock.sleep,
    ...overrides,
  });
  return { run, events };
}

const messages = (events: readonly HoistEvent[], code: string) => events.filter((e) => e.code === code).map((e) => e.message);

describe('the roll, as seen while it runs', () => {
  it('with --cloudonly, terminates a surged machine only once its replacement is running', async () => {
    const clock = virtualClock();
    // Launched machines are pending, their process started, for 40 s.
    const world = memoryRollingCloud({ size: 2, bootMs: 40_000, now: clock.now });
    const { run, events } = await roll(world, clock, { cloudOnly: true });
    await run;
    expect(world.log).toEqual([
      'detach i-1',
      'terminate i-1 while running: i-2, i-3',
      'detach i-2',
      'terminate i-2 while running: i-3, i-4',
    ]);
    expect(messages(events, 'roll.waiting')).toEqual(['nodes: waiting for the new instance(s) to be running', 'nodes: waiting for the new instance(s) to be running']);
  });

  it('continuing a killed roll, counts what the killed run replaced, never more than there are', async () => {
    const clock = virtualClock();
    const world = memoryRollingCloud({ size: 3, now: clock.now });
    const store = await memoryStore();
    // What a roll killed in its second batch leaves: i-1 replaced (by i-4), i-2 detached (its
    // replacement i-5 launched), i-3 still to do.
    const killed = await RollRecorder.open(store, CLUSTER);
    await killed.starting('nodes', ['i-1']);
    await world.cloud.detach('nodes', 'i-1');
    await world.cloud.terminate('nodes', 'i-1');
    await killed.done('nodes', ['i-1']);
    await killed.starting('nodes', ['i-2']);
    await world.cloud.detach('nodes', 'i-2');

    const { run, events } = await roll(world, clock, { store });
    expect((await run).replaced['nodes']).toEqual(['i-2', 'i-3']);
    expect(messages(events, 'roll.replaced')).toEqual(['nodes: 2 of 3 replaced', 'nodes: 3 of 3 replaced']);
    expect(messages(events, 'roll.batch')).toEqual(['nodes: replacing i-3 (2 of 3 done)']);
    expect(messages(events, 'roll.progress')).toContain('nodes: 1 instance(s) to replace, 1 surged and 0 unavailable at a time; 2 of 3 already replaced');
    for (const e of events.filter((x) => x.data?.['total'] !== undefined)) expect(e.data!['done'] as number).toBeLessThanOrEqual(e.data!['total'] as number);
    expect(world.machines.filter((m) => m.terminated).map((m) => m.id)).toEqual(['i-1', 'i-2', 'i-3']);
  });

  it('says at least every 15 s what it waits for: the group, the machines and their phases, then the failing checks', async () => {
    const clock = virtualClock();
    // A new machine boots for 2 minutes; the API then stays unhealthy for another minute.
    const world = memoryRollingCloud({ size: 1, bootMs: 120_000, now: clock.now });
    const started = clock.t;
    const { run, events } = await roll(world, clock, {
      sleep: async (ms) => {
        await clock.sleep(ms);
        const t = clock.t - started;
        world.apiProblem = t >= 120_000 && t < 180_000 ? 'the API does not answer at 127.0.0.1:6443' : undefined;
      },
    });
    await run;
    const waits = events.filter((e) => e.code === 'roll.still-waiting');
    expect(waits.length).toBeGreaterThanOrEqual(15);
    // Whatever the roll says is news; between two pieces of news there are at most 15 s.
    const times = [started, ...events.map((e) => e.at), clock.t];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(15_000);
    expect(waits[0]!.message).toMatch(/^still waiting for nodes to have its instances Ready \(10 s of 900 s\): i-2 \(pending; booting\)$/);
    expect(waits[0]!.data).toMatchObject({ group: 'nodes', notUp: [{ id: 'i-2', state: 'pending', phase: 'booting' }] });
    expect(waits.at(-1)!.message).toMatch(/^still waiting for the cluster to validate \(\d+ s of 900 s\): api the API does not answer at 127\.0\.0\.1:6443$/);
  });

  it('stops before its next change when its guard refuses, and touches no further machine', async () => {
    const clock = virtualClock();
    const world = memoryRollingCloud({ size: 3, now: clock.now });
    let checks = 0;
    const lost = new HoistError('LOCKED', 'the lock of roll.example.com is no longer held by this process');
    const { run } = await roll(world, clock, {
      // The lock is broken while the first batch waits for its new machine.
      beforeChange: async () => {
        if (++checks > 1) throw lost;
      },
    });
    await expect(run).rejects.toBe(lost);
    // The first batch detached i-1; its termination was the next change, and it was refused.
    expect(world.log).toEqual(['detach i-1']);
  });
});
