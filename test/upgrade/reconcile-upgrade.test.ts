/**
 * `reconcile cluster --yes` from 1.34 to 1.35 on the local cloud with 3 control-plane machines
 * and 3 nodes replaces every machine once, the control plane first (one machine at a time) and
 * the nodes after, as its JSON-lines events show; etcd keeps quorum (a writer measures the
 * longest outage) and its data (a key and a ConfigMap written before are read after), and the
 * real kubectl shows every node at the new version. The downgrade is reconcile-downgrade.test.ts.
 */

import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdClient } from '../../nodeup/etcd/client.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import { readMembers } from '../../nodeup/etcd/registry.js';
import { operatorCredentials } from '../../nodeup/etcd/status.js';
import { openStore } from '../../state-store/open.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { ReconcileWorld } from './reconcile-support.js';
import { batches, configMapValue, expectEachReplacedOnce, phasesRun, reconcileWorld } from './reconcile-support.js';

const NAME = 'reconcile-up.k8s.local';
const OLD = '1.34.0';
const NEW = '1.35.0';
let w: ReconcileWorld;
let store: ObjectStore;
let creds: EtcdCredentials;

beforeAll(async () => {
  w = await reconcileWorld(NAME, OLD);
  store = await openStore(w.world.env.HOIST_STATE_STORE ?? '', { env: { ...process.env, ...w.world.env } });
  creds = await operatorCredentials(store, NAME);
}, 240_000);
afterAll(async () => {
  if (w !== undefined) await w.destroy();
});

const memberUrls = async () => [...(await readMembers(store, NAME, 'main')).values()].map((m) => m.clientUrl);

/** Writes a key every 100 ms through whichever member answers; the longest gap between writes is the outage. */
function etcdWriter() {
  let clients: Etcd3[] = [];
  let stop = false;
  let writes = 0;
  let lastOk = Date.now();
  let longest = 0;
  const loop = (async () => {
    while (!stop) {
      if (clients.length === 0) clients = await Promise.all((await memberUrls()).map((u) => etcdClient([u], creds)));
      let ok = false;
      for (const c of clients) {
        ok = await c.put('reconcile/probe').value(String(writes)).then(() => true, () => false);
        if (ok) break;
      }
      if (ok) {
        writes++;
        longest = Math.max(longest, Date.now() - lastOk);
        lastOk = Date.now();
      } else {
        // Replacement machines serve elsewhere: read the published addresses again.
        for (const c of clients) c.close();
        clients = [];
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      for (const c of clients) c.close();
      return { writes, longest };
    },
  };
}

describe('reconcile cluster, an upgrade', () => {
  it(`${OLD} to ${NEW}: control plane first, one machine at a time, then the nodes; etcd keeps quorum and data`, { timeout: 540_000 }, async () => {
    const cm = await w.kubectl('create', 'configmap', 'before-upgrade', '-n', 'default', '--from-literal=kept=yes');
    expect(cm.code, cm.stderr).toBe(0);
    const kv = await etcdClient(await memberUrls(), creds);
    await kv.put('reconcile/kept').value('before');
    kv.close();
    expect(await w.nodeVersions(OLD)).toEqual(Array.from({ length: 6 }, () => `v${OLD}`));

    const before = (await w.machines()).filter((i) => i.state === 'running');
    await w.setVersion(NEW);
    const preview = await w.run('reconcile', 'cluster', NAME);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`upgrade of Kubernetes from ${OLD} to ${NEW}`);
    expect(preview.stdout).toMatch(/1\. control-plane: control-plane-\S+, control-plane-\S+, control-plane-\S+\n\s+2\. apiserver: \(no such group\)\n\s+3\. nodes: nodes-\S+\n/);

    const writer = etcdWriter();
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
    const status = JSON.parse((await w.run('etcd', 'status', NAME, '-o', 'json')).stdout) as { etcdClusters: { healthy: boolean; members: unknown[] }[] };
    expect(status.etcdClusters.every((c) => c.healthy && c.members.length === 3)).toBe(true);
    const after = await etcdClient(await memberUrls(), creds);
    try {
      expect(await after.get('reconcile/kept').string()).toBe('before');
    } finally {
      after.close();
    }
    expect(await configMapValue(w, 'before-upgrade')).toBe('yes');
    expect(await w.nodeVersions(NEW)).toEqual(Array.from({ length: 6 }, () => `v${NEW}`));
    const table = await w.kubectl('get', 'nodes');
    const running = (await w.machines()).filter((i) => i.state === 'running').map((i) => i.id);
    const rows = table.stdout.split('\n').filter((l) => running.some((id) => l.startsWith(`${id} `)));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toMatch(new RegExp(`\\sReady\\S*\\s.*\\sv${NEW.replace(/\./g, '\\.')}\\s*$`));
  });
});
