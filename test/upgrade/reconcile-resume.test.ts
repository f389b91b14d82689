/**
 * `reconcile cluster --yes` killed with SIGKILL during the control-plane phase, then its rerun
 * killed again during the nodes phase (while a surged node boots): the third run finishes the
 * upgrade, skipping the finished phase and finishing the interrupted batch, and no machine is
 * replaced twice: every machine from before is gone, every machine the runs made still runs,
 * and the runs' batches name each old machine once.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileWorld } from './reconcile-support.js';
import { batches, reconcileWorld } from './reconcile-support.js';

const NAME = 'reconcile-resume.k8s.local';
let w: ReconcileWorld;

beforeAll(async () => {
  w = await reconcileWorld(NAME, '1.34.0');
}, 240_000);
afterAll(async () => {
  if (w !== undefined) await w.destroy();
});

describe('reconcile cluster, killed and run again', () => {
  it('finishes from where each killed run stopped, replacing no machine twice', { timeout: 540_000 }, async () => {
    const before = (await w.machines()).filter((i) => i.state === 'running').map((i) => i.id);
    expect(before).toHaveLength(6);
    await w.setVersion('1.35.0');
    const started = Date.now();

    const first = await w.reconcile((e) => e.code === 'roll.replaced' && e.data?.phase === 'control-plane');
    expect(first.killed, first.stderr).toBe(true);
    expect(batches(first.events).map((b) => b.phase)).toEqual(['control-plane']);

    const second = await w.reconcile((e) => e.code === 'roll.waiting' && e.data?.phase === 'nodes');
    expect(second.killed, second.stderr).toBe(true);
    expect(second.events.find((e) => e.code === 'reconcile.started')?.data).toMatchObject({ resumed: true, direction: 'upgrade' });
    // It took over the dead run's lock, and rolled the two control-plane machines left before any node.
    expect(second.stderr).toMatch(/took over the lock|dead|no process/i);
    expect(batches(second.events).map((b) => b.phase)).toEqual(['control-plane', 'control-plane', 'nodes']);

    const third = await w.reconcile();
    expect(third.code, third.stderr).toBe(0);
    expect(third.events.filter((e) => e.code === 'reconcile.phase-skipped' && e.data?.phase === 'control-plane')).toHaveLength(1);
    expect(third.events.some((e) => e.code === 'roll.progress' && e.data?.phase === 'nodes' && /continuing an interrupted batch/.test(e.message))).toBe(true);
    expect(third.events.at(-1)?.message).toMatch(/^Reconcile completed: upgrade of Kubernetes from 1\.34\.0 to 1\.35\.0/);
    process.stdout.write(`reconcile killed twice: ${((Date.now() - started) / 1000).toFixed(1)} s for the three runs\n`);

    // From the events: the batches of all runs name each old machine once, and no machine the runs made.
    const taken = [first, second, third].flatMap((r) => batches(r.events).flatMap((b) => b.instances));
    const interrupted = third.events.filter((e) => /continuing an interrupted batch/.test(e.message)).flatMap((e) => (e.data?.['instances'] as string[] | undefined) ?? []);
    expect([...taken].sort()).toEqual([...before].sort());
    expect(interrupted.every((id) => before.includes(id))).toBe(true);

    // From the cloud: every machine from before is terminated; every one made since runs.
    const all = await w.machines();
    expect(all.filter((i) => before.includes(i.id)).map((i) => i.state)).toEqual(Array.from({ length: 6 }, () => 'terminated'));
    const made = all.filter((i) => !before.includes(i.id));
    expect(made.filter((i) => i.state !== 'running')).toEqual([]);
    expect(made).toHaveLength(6);
    expect((await w.run('rolling-update', 'cluster', NAME)).stdout).toContain('No rolling update is needed.');
  });
});
