/**
 * The roll and a group's warm pool (kops's warmPool), over a RollingCloud kept in memory: the
 * pool's out-of-date machines are terminated first, without a batch, a drain or a count in the
 * group's replacements; up-to-date ones stay; `delete instance` (only) leaves the pool alone.
 */

import { describe, expect, it } from 'vitest';
import { recorder } from '../../src/output/events.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import type { RollingCloud } from '../../cloudup/rolling/types.js';
import { openStore } from '../../state-store/open.js';
import { memoryRollingCloud } from './memory-rolling-cloud.js';

/** The in-memory cloud with a warm pool beside its `nodes` group: `pool` by id, true when out of date. */
function withWarmPool(cloud: RollingCloud, pool: Map<string, boolean>): { cloud: RollingCloud; terminated: string[] } {
  const terminated: string[] = [];
  return {
    terminated,
    cloud: {
      ...cloud,
      groups: async () => (await cloud.groups()).map((g) => (g.name === 'nodes' ? { ...g, warmPool: [...pool].map(([id, needsUpdate]) => ({ id, needsUpdate })) } : g)),
      async terminate(group, id) {
        if (pool.delete(id)) terminated.push(id);
        else await cloud.terminate(group, id);
      },
    },
  };
}

async function roll(cloud: RollingCloud, extra: Partial<Parameters<typeof rollingUpdate>[1]> = {}) {
  const store = await openStore(`memfs://roll-warm-${Math.random().toString(36).slice(2)}`);
  const { sink, events } = recorder();
  const result = await rollingUpdate(cloud, {
    settings: () => ({ maxSurge: 1, maxUnavailable: 0 }),
    validationTimeoutMs: 1_000,
    validateCount: 1,
    nodeIntervalMs: 0,
    controlPlaneIntervalMs: 0,
    drainTimeoutMs: 1_000,
    failOnValidateError: true,
    recorder: await RollRecorder.open(store, 'roll.example.com'),
    events: sink,
    sleep: async () => undefined,
    ...extra,
  });
  return { result, events };
}

describe('the roll of a group with a warm pool', () => {
  it('terminates the pool\'s out-of-date machines first, and keeps the others', async () => {
    const memory = memoryRollingCloud({ size: 2 });
    const { cloud, terminated } = withWarmPool(memory.cloud, new Map([['i-warm-old', true], ['i-warm-new', false]]));
    const { result, events } = await roll(cloud);
    expect(terminated).toEqual(['i-warm-old']);
    expect(result.replaced['nodes']).toEqual(['i-1', 'i-2']);
    const said = events.filter((e) => e.code === 'roll.warm-pool').map((e) => e.message);
    expect(said).toEqual(['nodes: terminating i-warm-old of its warm pool, out of date']);
    // Before the group's first batch.
    expect(events.findIndex((e) => e.code === 'roll.warm-pool')).toBeLessThan(events.findIndex((e) => e.message.includes('instance(s) to replace')));
  });

  it('terminates every pool machine when forced, and none when replacing chosen machines', async () => {
    const forced = withWarmPool(memoryRollingCloud({ size: 1 }).cloud, new Map([['i-warm-a', false]]));
    await roll(forced.cloud, { force: true });
    expect(forced.terminated).toEqual(['i-warm-a']);
    const chosen = withWarmPool(memoryRollingCloud({ size: 2 }).cloud, new Map([['i-warm-b', true]]));
    await roll(chosen.cloud, { only: new Set(['i-1']) });
    expect(chosen.terminated).toEqual([]);
  });
});
