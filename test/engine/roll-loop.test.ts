/**
 * The cloud-independent roll over a RollingCloud kept in memory: it replaces the machines that
 * were out of date when it reached their group, and it stops (rather than rolling on forever)
 * when the machines it launched are out of date too.
 */

import { describe, expect, it } from 'vitest';
import { recorder, silent } from '../../src/output/events.js';
import { batchSize, rollOrder } from '../../cloudup/rolling/batches.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import type { RollingCloud } from '../../cloudup/rolling/types.js';
import { openStore } from '../../state-store/open.js';
import { memoryRollingCloud } from './memory-rolling-cloud.js';

async function roll(cloud: RollingCloud, extra: Partial<Parameters<typeof rollingUpdate>[1]> = {}) {
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
    ...extra,
  });
}

describe('the roll', () => {
  it('replaces each out-of-date machine once, in batches of maxSurge', async () => {
    const { cloud, machines } = memoryRollingCloud({ size: 5 });
    const result = await roll(cloud);
    expect(result.replaced['nodes']).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    const live = machines.filter((m) => !m.terminated);
    expect(live.map((m) => m.version)).toEqual([2, 2, 2, 2, 2]);
    expect(machines.filter((m) => m.terminated).map((m) => m.id)).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
  });

  it('stops, naming the machines, when the group launches machines that are out of date as well', async () => {
    const { cloud, machines } = memoryRollingCloud({ size: 3, launches: () => 1 });
    await expect(roll(cloud)).rejects.toThrow(/instance group nodes launched i-4 \(template version 1, the group launches 2\), .* during the rolling update, and they are out of date too/);
    // Each machine that was there was replaced once; none of the ones it launched.
    expect(machines.filter((m) => m.terminated).map((m) => m.id)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(machines.filter((m) => !m.terminated)).toHaveLength(3);
  });

  it('with failOnDrainError false terminates a machine that does not drain in time, with a warning, after the post-drain delay', async () => {
    const { cloud, machines } = memoryRollingCloud({ size: 2 });
    const stuck: RollingCloud = { ...cloud, drained: async () => false };
    await expect(roll(stuck)).rejects.toThrow(/did not finish draining within 1 s/);
    const sleeps: number[] = [];
    const { sink, events } = recorder();
    let t = 0;
    const result = await roll(stuck, { failOnDrainError: false, postDrainDelayMs: 5_000, events: sink, now: () => t, sleep: async (ms) => { t += ms; sleeps.push(ms); }, pollMs: 100 });
    expect(result.replaced['nodes']).toEqual(['i-1', 'i-2']);
    expect(machines.filter((m) => m.terminated).map((m) => m.id)).toEqual(['i-1', 'i-2']);
    expect(events.filter((e) => e.code === 'roll.drain-failed').map((e) => e.message)).toEqual(['i-1, i-2 did not finish draining within 1 s: terminating anyway (--no-fail-on-drain-error)']);
    expect(sleeps).toContain(5_000);
  });

  it('asks before each batch when told to, and stops at a no, keeping what was replaced', async () => {
    const { cloud, machines } = memoryRollingCloud({ size: 4 });
    const asked: string[] = [];
    const answers = [true, false];
    await expect(roll(cloud, { confirm: async (group, batch) => { asked.push(`${group}: ${batch.join(', ')}`); return answers.shift() ?? false; } })).rejects.toThrow('rolling update stopped before i-3, i-4 of nodes, as answered; 2 of 4 of the group replaced');
    expect(asked).toEqual(['nodes: i-1, i-2', 'nodes: i-3, i-4']);
    expect(machines.filter((m) => m.terminated).map((m) => m.id)).toEqual(['i-1', 'i-2']);
  });

  it('never surges a control plane or a group that cannot place a surge, and replaces at least one at a time', () => {
    const group = { name: 'nodes', role: 'Node' as const, minSize: 4, maxSize: 8, desired: 4, instances: [] };
    const settings = { maxSurge: '50%', maxUnavailable: 0 } as const;
    expect(batchSize(group, settings, true)).toEqual({ surge: 2, unavailable: 0 });
    expect(batchSize(group, settings, false)).toEqual({ surge: 0, unavailable: 1 });
    expect(batchSize({ ...group, surges: false }, settings, true)).toEqual({ surge: 0, unavailable: 1 });
    expect(batchSize({ ...group, surges: false }, { maxSurge: 1, maxUnavailable: 2 }, true)).toEqual({ surge: 0, unavailable: 2 });
    expect(batchSize({ ...group, role: 'ControlPlane' }, settings, true)).toEqual({ surge: 0, unavailable: 1 });
    // An APIServer group holds no etcd member: it surges as nodes do.
    expect(batchSize({ ...group, role: 'APIServer' }, settings, true)).toEqual({ surge: 2, unavailable: 0 });
  });

  it('rolls bastions, the control plane, APIServer groups, then nodes', () => {
    const g = (name: string, role: 'ControlPlane' | 'APIServer' | 'Node' | 'Bastion') => ({ name, role, minSize: 1, maxSize: 1, desired: 1, instances: [] });
    const order = rollOrder([g('nodes', 'Node'), g('api-b', 'APIServer'), g('cp', 'ControlPlane'), g('api-a', 'APIServer'), g('bastion', 'Bastion')]);
    expect(order.map((x) => x.name)).toEqual(['bastion', 'cp', 'api-a', 'api-b', 'nodes']);
  });

  it('replaces APIServer machines after the control plane, even up to date, once a control-plane machine was replaced', async () => {
    const cp = memoryRollingCloud({ size: 1, name: 'control-plane', role: 'ControlPlane', idPrefix: 'cp' });
    const api = memoryRollingCloud({ size: 2, name: 'apiserver', role: 'APIServer', idPrefix: 'api', initialVersion: 2 });
    const of = (group: string) => (group === 'apiserver' ? api : cp).cloud;
    const both: RollingCloud = {
      ...cp.cloud,
      groups: async () => [...(await api.cloud.groups()), ...(await cp.cloud.groups())],
      detach: (group, id) => of(group).detach(group, id),
      terminate: (group, id) => of(group).terminate(group, id),
    };
    const result = await roll(both);
    expect(result.replaced).toEqual({ 'control-plane': ['cp-1'], apiserver: ['api-1', 'api-2'] });
    // With nothing of the control plane replaced, up-to-date APIServer machines stay.
    const again = await roll(both);
    expect(again.replaced).toEqual({ 'control-plane': [], apiserver: [] });
  });
});
