/**
 * `reconcile cluster --yes` from 1.35 back to 1.34 on the local cloud with 3 control-plane
 * machines and 3 nodes: the nodes go first, then the control plane one machine at a time (no
 * kubelet is ever newer than an API server), every machine once; a ConfigMap written before is
 * there after, etcd is healthy with 3 members, kubectl shows every node at 1.34, and a second
 * reconcile replaces nothing. The upgrade is reconcile-upgrade.test.ts.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileWorld } from './reconcile-support.js';
import { batches, configMapValue, expectEachReplacedOnce, isRole, phasesRun, reconcileWorld } from './reconcile-support.js';

const NAME = 'reconcile-down.k8s.local';
const OLD = '1.34.0';
const NEW = '1.35.0';
let w: ReconcileWorld;

beforeAll(async () => {
  w = await reconcileWorld(NAME, NEW);
}, 240_000);
afterAll(async () => {
  if (w !== undefined) await w.destroy();
});

describe('reconcile cluster, a downgrade', () => {
  it(`${NEW} to ${OLD}: the nodes first, then the control plane, keeping the cluster's objects`, { timeout: 540_000 }, async () => {
    const cm = await w.kubectl('create', 'configmap', 'before-downgrade', '-n', 'default', '--from-literal=kept=yes');
    expect(cm.code, cm.stderr).toBe(0);
    const before = (await w.machines()).filter((i) => i.state === 'running');
    await w.setVersion(OLD);
    const preview = await w.run('reconcile', 'cluster', NAME);
    expect(preview.stdout).toMatch(/1\. nodes: nodes-\S+\n\s+2\. apiserver: \(no such group\)\n\s+3\. control-plane: control-plane-\S+, control-plane-\S+, control-plane-\S+\n/);

    const started = Date.now();
    const r = await w.reconcile();
    process.stdout.write(`reconcile downgrade: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(phasesRun(r.events)).toEqual(['nodes', 'control-plane']);
    const order = batches(r.events);
    expect(order.map((b) => b.phase)).toEqual(['nodes', 'nodes', 'nodes', 'control-plane', 'control-plane', 'control-plane']);
    expect(order.slice(0, 3).every((b) => b.group.startsWith('nodes-'))).toBe(true);
    expect(order.slice(3).every((b) => b.group.startsWith('control-plane-'))).toBe(true);
    expectEachReplacedOnce(r.events, before.map((i) => i.id));
    expect(r.events.at(-1)?.message).toMatch(new RegExp(`^Reconcile completed: downgrade of Kubernetes from ${NEW} to ${OLD}; 6 machine\\(s\\) replaced`));

    const running = (await w.machines()).filter((i) => i.state === 'running');
    expect(running.filter(isRole('control-plane'))).toHaveLength(3);
    expect(running.filter(isRole('node'))).toHaveLength(3);
    const status = JSON.parse((await w.run('etcd', 'status', NAME, '-o', 'json')).stdout) as { etcdClusters: { healthy: boolean; members: unknown[] }[] };
    expect(status.etcdClusters.every((c) => c.healthy && c.members.length === 3)).toBe(true);
    expect(await w.nodeVersions(OLD)).toEqual(Array.from({ length: 6 }, () => `v${OLD}`));
    expect(await configMapValue(w, 'before-downgrade')).toBe('yes');
    // Nothing left to do: a second reconcile replaces nothing.
    const again = await w.reconcile();
    expect(again.code, again.stderr).toBe(0);
    expect(batches(again.events)).toEqual([]);
  });

  it('refuses a jump of two minors with the intermediate version as the fix, writing nothing', async () => {
    const record = await readFile(join(w.world.stateDir, NAME, 'status', 'reconcile.json'), 'utf8');
    await w.setVersion('1.32.6');
    const r = await w.run('reconcile', 'cluster', NAME, '--yes', '--kubeconfig', w.kubeconfig);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.kubernetesVersion: "1.32.6" skips a minor');
    expect(r.stderr).toContain('1.33');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(join(w.world.stateDir, NAME, 'status', 'reconcile.json'), 'utf8')).toBe(record);
  });
});
