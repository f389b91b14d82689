/**
 * `reconcile cluster --yes` on one local cluster of 3 control-plane machines and 3 nodes, made
 * once for the whole file (each roll replaces all six machines, so a cluster per case would
 * boot six more for nothing):
 * 1. 1.34 to 1.35 replaces every machine once, the control plane first (one machine at a time)
 *    and the nodes after, as its JSON-lines events show; etcd keeps quorum (a writer measures
 *    the longest outage) and its data, and the real kubectl shows every node at 1.35.
 * 2. Back to 1.34: the nodes first, then the control plane, keeping the cluster's objects; a
 *    second reconcile replaces nothing.
 * 3. A jump of two minors is refused with the intermediate version as the fix, writing nothing.
 * 4. 1.34 to 1.35 again, killed with SIGKILL during the control-plane phase and again during
 *    the nodes phase: the third run finishes, and no machine is replaced twice.
 * The cases run in order: each starts from the versions the one before left.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import { etcdClient } from '../../nodeup/etcd/client.js';
import { operatorCredentials } from '../../nodeup/etcd/status.js';
import type { ReconcileWorld } from './reconcile-support.js';
import { batches, configMapValue, etcdWriter, expectEachReplacedOnce, isRole, memberUrls, phasesRun, reconcileWorld } from './reconcile-support.js';

const NAME = 'reconcile.k8s.local';
const OLD = '1.34.0';
const NEW = '1.35.0';
const six = (version: string) => Array.from({ length: 6 }, () => `v${version}`);
let w: ReconcileWorld;
let store: ObjectStore;
let creds: EtcdCredentials;

beforeAll(async () => {
  w = await reconcileWorld(NAME, OLD);
  store = await openStore(w.world.env.HOIST_STATE_STORE ?? '', { env: { ...process.env, ...w.world.env } });
  creds = await operatorCredentials(store, NAME);
}, 600_000);
afterAll(async () => {
  if (w !== undefined) await w.destroy();
});

const etcdStatus = async () => JSON.parse((await w.run('etcd', 'status', NAME, '-o', 'json')).stdout) as { etcdClusters: { healthy: boolean; members: unknown[] }[] };

describe('reconcile cluster on 3 control-plane machines and 3 nodes', () => {
  it(`${OLD} to ${NEW}: control plane first, one machine at a time, then the nodes; etcd keeps quorum and data`, { timeout: 540_000 }, async () => {
    const cm = await w.kubectl('create', 'configmap', 'before-upgrade', '-n', 'default', '--from-literal=kept=yes');
    expect(cm.code, cm.stderr).toBe(0);
    const kv = await etcdClient(await memberUrls(store, NAME), creds);
    await kv.put('reconcile/kept').value('before');
    kv.close();
    expect(await w.nodeVersions(OLD)).toEqual(six(OLD));

    const before = (await w.machines()).filter((i) => i.state === 'running');
    await w.setVersion(NEW);
    const preview = await w.run('reconcile', 'cluster', NAME);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`upgrade of Kubernetes from ${OLD} to ${NEW}`);
    expect(preview.stdout).toMatch(/1\. control-plane: control-plane-\S+, control-plane-\S+, control-plane-\S+\n\s+2\. apiserver: \(no such group\)\n\s+3\. nodes: nodes-\S+\n/);

    const writer = etcdWriter(store, NAME, creds);
    const started = Date.now();
    const r = await w.reconcile();
    const probe = await writer.stop();
    process.stdout.write(`reconcile upgrade: ${((Date.now() - started) / 1000).toFixed(1)} s; etcd: ${probe.writes} writes, longest outage ${probe.longest} ms\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(phasesRun(r.events)).toEqual(['control-plane', 'nodes']);
    const order = batches(r.events);
    expect(order.map((b) => b.phase)).toEqual(['control-plane', 'control-plane', 'control-plane', 'nodes', 'nodes', 'nodes']);
    expect(new Set(order.slice(0, 3).map((b) => b.group)).size).toBe(3);
    expect(order.slice(0, 3).every((b) => b.group.startsWith('control-plane-'))).toBe(true);
    expect(order.slice(3).every((b) => b.group.startsWith('nodes-'))).toBe(true);
    expectEachReplacedOnce(r.events, before.map((i) => i.id));
    // Validated between the phases, and the whole reconcile said what it did.
    expect(r.events.findIndex((e) => e.code === 'reconcile.validated' && e.data?.phase === 'control-plane')).toBeLessThan(r.events.findIndex((e) => e.code === 'roll.batch' && e.data?.phase === 'nodes'));
    expect(r.events.at(-1)?.message).toMatch(new RegExp(`^Reconcile completed: upgrade of Kubernetes from ${OLD} to ${NEW}; 6 machine\\(s\\) replaced`));

    expect(probe.longest).toBeLessThan(10_000);
    expect((await etcdStatus()).etcdClusters.every((c) => c.healthy && c.members.length === 3)).toBe(true);
    const after = await etcdClient(await memberUrls(store, NAME), creds);
    try {
      expect(await after.get('reconcile/kept').string()).toBe('before');
    } finally {
      after.close();
    }
    expect(await configMapValue(w, 'before-upgrade')).toBe('yes');
    expect(await w.nodeVersions(NEW)).toEqual(six(NEW));
    const table = await w.kubectl('get', 'nodes');
    const running = (await w.machines()).filter((i) => i.state === 'running').map((i) => i.id);
    const rows = table.stdout.split('\n').filter((l) => running.some((id) => l.startsWith(`${id} `)));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toMatch(new RegExp(`\\sReady\\S*\\s.*\\sv${NEW.replace(/\./g, '\\.')}\\s*$`));
  });

  it(`${NEW} back to ${OLD}: the nodes first, then the control plane, keeping the cluster's objects`, { timeout: 540_000 }, async () => {
    const cm = await w.kubectl('create', 'configmap', 'before-downgrade', '-n', 'default', '--from-literal=kept=yes');
    expect(cm.code, cm.stderr).toBe(0);
    const before = (await w.machines()).filter((i) => i.state === 'running');
    expect(before).toHaveLength(6);
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
    expect((await etcdStatus()).etcdClusters.every((c) => c.healthy && c.members.length === 3)).toBe(true);
    expect(await w.nodeVersions(OLD)).toEqual(six(OLD));
    // Objects written before the upgrade and before the downgrade are both still there.
    expect(await configMapValue(w, 'before-downgrade')).toBe('yes');
    expect(await configMapValue(w, 'before-upgrade')).toBe('yes');
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
    // Back to the version the machines run, as a user undoes the edit.
    await w.setVersion(OLD);
  });

  it(`${OLD} to ${NEW} killed twice: finishes from where each killed run stopped, replacing no machine twice`, { timeout: 540_000 }, async () => {
    // Machines of the cases before (terminated ones too) are neither the old nor the new ones here.
    const known = new Set((await w.machines()).map((i) => i.id));
    const before = (await w.machines()).filter((i) => i.state === 'running').map((i) => i.id);
    expect(before).toHaveLength(6);
    await w.setVersion(NEW);
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
    expect(third.events.at(-1)?.message).toMatch(new RegExp(`^Reconcile completed: upgrade of Kubernetes from ${OLD.replace(/\./g, '\\.')} to ${NEW.replace(/\./g, '\\.')}`));
    process.stdout.write(`reconcile killed twice: ${((Date.now() - started) / 1000).toFixed(1)} s for the three runs\n`);

    // From the events: the batches of all runs name each old machine once, and no machine the runs made.
    const taken = [first, second, third].flatMap((r) => batches(r.events).flatMap((b) => b.instances));
    const interrupted = third.events.filter((e) => /continuing an interrupted batch/.test(e.message)).flatMap((e) => (e.data?.['instances'] as string[] | undefined) ?? []);
    expect([...taken].sort()).toEqual([...before].sort());
    expect(interrupted.every((id) => before.includes(id))).toBe(true);

    // From the cloud: every machine from before is terminated; every one made since runs. The
    // cloud forgets a terminated machine 5 minutes after, which three runs on a loaded machine
    // can outlast: one no longer listed was terminated.
    const all = await w.machines();
    expect(before.map((id) => all.find((i) => i.id === id)?.state ?? 'terminated')).toEqual(Array.from({ length: 6 }, () => 'terminated'));
    const made = all.filter((i) => !known.has(i.id));
    expect(made.filter((i) => i.state !== 'running')).toEqual([]);
    expect(made).toHaveLength(6);
    expect((await w.run('rolling-update', 'cluster', NAME)).stdout).toContain('No rolling update is needed.');
  });
});
