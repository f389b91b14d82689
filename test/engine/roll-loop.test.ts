/**
 * The cloud-independent roll over a RollingCloud kept in memory: it replaces the machines that
 * were out of date when it reached their group, and it stops (rather than rolling on forever)
 * when the machines it launched are out of date too.
 */

import { describe, expect, it } from 'vitest';
import { silent } from '../../src/output/events.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import type { RollingCloud, RollingGroup, RollingInstance } from '../../cloudup/rolling/types.js';
import { openStore } from '../../state-store/open.js';

interface Machine {
  id: string;
  version: number;
  detached: boolean;
  state: RollingInstance['state'];
}

/** One node group of `size` machines at version 1 that launches `launches()` (a group that follows its template, or one stuck on an old version). */
function memoryCloud(size: number, launches: () => number): { cloud: RollingCloud; machines: Machine[]; wanted: { version: number } } {
  const wanted = { version: 2 };
  let next = 0;
  const machines: Machine[] = [];
  const launch = () => machines.push({ id: `i-${++next}`, version: launches(), detached: false, state: 'running' });
  for (let i = 0; i < size; i++) machines.push({ id: `i-${++next}`, version: 1, detached: false, state: 'running' });
  const group = (): RollingGroup => ({
    name: 'nodes',
    role: 'Node',
    minSize: size,
    maxSize: size,
    desired: size,
    instances: machines.map((m) => ({
      id: m.id,
      group: 'nodes',
      state: m.state,
      ready: m.state === 'running',
      cloudReady: m.state === 'running',
      needsUpdate: m.version !== wanted.version,
      ...(m.version !== wanted.version ? { updateReason: `template version ${m.version}, the group launches ${wanted.version}` } : {}),
      detached: m.detached,
      drained: false,
    })),
  });
  const find = (id: string) => machines.find((m) => m.id === id)!;
  const cloud: RollingCloud = {
    supportsSurge: true,
    drains: true,
    pollMs: 1,
    groups: async () => [group()],
    async detach(_g, id) {
      find(id).detached = true;
      launch();
    },
    async terminate(_g, id) {
      const m = find(id);
      m.state = 'terminated';
      if (!m.detached) launch();
    },
    drain: async () => undefined,
    drained: async () => true,
    apiProblem: async () => undefined,
  };
  return { cloud, machines, wanted };
}

async function roll(cloud: RollingCloud) {
  const store = await openStore(`memfs://roll-loop-${Math.random().toString(36).slice(2)}`);
  return rollingUpdate(cloud, {
    settings: () => ({ maxSurge: 2, maxUnavailable: 0 }),
    validationTimeoutMs: 1_000,
    validateCount: 1,
    nodeIntervalMs: 0,
    controlPlaneIntervalMs: 0,
    drainTimeoutMs: 1_000,
    failOnValidateError: true,
    recorder: await RollRecorder.open(store, 'roll.example.com'),
    events: silent,
    sleep: async () => undefined,
  });
}

describe('the roll', () => {
  it('replaces each out-of-date machine once, in batches of maxSurge', async () => {
    const { cloud, machines } = memoryCloud(5, () => 2);
    const result = await roll(cloud);
    expect(result.replaced['nodes']).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    const live = machines.filter((m) => m.state === 'running');
    expect(live.map((m) => m.version)).toEqual([2, 2, 2, 2, 2]);
    expect(machines.filter((m) => m.state === 'terminated').map((m) => m.id)).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
  });

  it('stops, naming the machines, when the group launches machines that are out of date as well', async () => {
    const { cloud, machines } = memoryCloud(3, () => 1);
    await expect(roll(cloud)).rejects.toThrow(/instance group nodes launched i-4 \(template version 1, the group launches 2\), .* during the rolling update, and they are out of date too/);
    // Each machine that was there was replaced once; none of the ones it launched.
    expect(machines.filter((m) => m.state === 'terminated').map((m) => m.id)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(machines.filter((m) => m.state === 'running')).toHaveLength(3);
  });
});
