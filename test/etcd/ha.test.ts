/**
 * Three control-plane machines on the local cloud run one real 3-member etcd with TLS: `hoist
 * etcd status` shows it, a client without a certificate is refused, and a forced rolling update
 * of the whole control plane keeps quorum (a writer measures the longest write outage), keeps
 * all 1,000 keys and every member's ID: each replacement machine claims its member's volume.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { etcdClient } from '../../nodeup/etcd/client.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import type { EtcdWorld } from './support.js';
import { etcdWorld, hostEtcdVersion, waitHealthy } from './support.js';

const NAME = 'etcd-ha.k8s.local';
const KEYS = 1_000;
let w: EtcdWorld;
let reports: EtcdClusterReport[];
let creds: EtcdCredentials;

const main = (r: readonly EtcdClusterReport[]) => r.find((x) => x.name === 'main')!;
const urls = (r: readonly EtcdClusterReport[]) => main(r).members.map((m) => m.clientUrl!);
const ids = (r: readonly EtcdClusterReport[]) => Object.fromEntries(r.flatMap((c) => c.members.map((m) => [`${c.name}/${m.name}`, m.id])));

beforeAll(async () => {
  w = await etcdWorld(NAME, 3);
  reports = await waitHealthy(w, 3);
  creds = await w.credentials();
  // Longer than waitHealthy's own bound, so that on a timeout it is waitHealthy that says what it saw.
}, 420_000);

afterAll(async () => {
  if (w !== undefined) expect(await w.world.destroy()).toEqual([]);
});

/**
 * Puts keys `from`..`from + count - 1`. On shared cores a batch can outlast the client's call
 * deadline before the roll even starts; the puts are idempotent, so a batch that timed out is
 * sent again (the roll's outage is measured by the writer below, not here).
 */
async function loadKeys(client: Etcd3, from: number, count: number): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await Promise.all(Array.from({ length: count }, (_, j) => client.put(`keys/${String(from + j).padStart(4, '0')}`).value(`v${from + j}`)));
      return;
    } catch (e) {
      if (attempt >= 5 || !/DEADLINE_EXCEEDED|UNAVAILABLE/.test(String(e))) throw e;
    }
  }
}

/**
 * Writes through whichever member answers first, one client per member address. When none
 * answers it reads the addresses the members publish again: replacement machines serve elsewhere.
 */
function writer(initial: readonly string[]) {
  let clients = new Map<string, Etcd3>();
  const connect = async (addresses: readonly string[]) => {
    for (const u of addresses) if (!clients.has(u)) clients.set(u, await etcdClient([u], creds));
  };
  return {
    start: () => connect(initial),
    async write(key: string, value: string): Promise<boolean> {
      for (const c of clients.values()) {
        try {
          await c.put(key).value(value);
          return true;
        } catch {
          // that member is down or without quorum: try the next
        }
      }
      await connect([...(await w.published()).values()].map((m) => m.clientUrl));
      return false;
    },
    close() {
      for (const c of clients.values()) c.close();
      clients = new Map();
    },
  };
}

describe('etcd on three control-plane machines', () => {
  it('is one 3-member cluster per etcd cluster, with TLS, shown by hoist etcd status', async () => {
    const version = hostEtcdVersion();
    for (const r of reports) {
      expect(r.healthy).toBe(true);
      expect(r.members.map((m) => m.name).sort()).toEqual(['a', 'a-2', 'a-3']);
      expect(r.members.filter((m) => m.leader)).toHaveLength(1);
      expect(r.members.every((m) => m.version === version && m.clientUrl?.startsWith('https://') && m.peerUrl?.startsWith('https://'))).toBe(true);
      expect(r.lastBackup).toBeNull();
    }
    const table = await w.run('etcd', 'status', NAME);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ETCD\s+MEMBER\s+ID\s+PEER\s+CLIENT\s+LEADER\s+HEALTH\s+REVISION\s+DB-SIZE\s+VERSION/);
    expect(table.stdout).toContain('etcd main: healthy, leader ');
    expect(table.stdout).toContain('last backup: none');
    // Library deprecation notices are not the user's business (shown with -v only).
    expect(table.stderr).not.toContain('DeprecationWarning');
    const cloud = await w.run('local-cloud', 'status');
    expect(cloud.stdout).toContain(`etcd: real etcd ${version} (`);
  });

  it('refuses a client without a certificate', async () => {
    const { Etcd3: Client } = await import('etcd3');
    const anonymous = new Client({ hosts: urls(reports), credentials: { rootCertificate: Buffer.from(creds.ca) }, defaultCallOptions: { deadline: Date.now() + 5_000 } });
    try {
      await expect(anonymous.get('anything').string()).rejects.toThrow();
    } finally {
      anonymous.close();
    }
    const withCert = await etcdClient(urls(reports), creds);
    try {
      await withCert.put('tls-check').value('ok');
      expect(await withCert.get('tls-check').string()).toBe('ok');
    } finally {
      withCert.close();
    }
  });

  it('keeps quorum, every key and every member ID through a forced rolling update of the control plane', { timeout: 900_000 }, async () => {
    const probe = writer(urls(reports));
    await probe.start();
    const loader = await etcdClient(urls(reports), creds);
    try {
      for (let i = 0; i < KEYS; i += 100) {
        await loadKeys(loader, i, 100);
      }
      loader.close();
      const idsBefore = ids(reports);
      // A writer that keeps writing through the roll: the longest gap between two writes is the outage.
      let stop = false;
      let lastOk = Date.now();
      let longest = 0;
      let writes = 0;
      const loop = (async () => {
        while (!stop) {
          if (await probe.write('probe', String(writes))) {
            const now = Date.now();
            longest = Math.max(longest, now - lastOk);
            lastOk = now;
            writes++;
          }
          // Every 100 ms: fine enough for an outage bound of seconds; each write is a commit on all three members.
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      // The roll drains each machine through the cluster's Kubernetes API, by the context export writes.
      const kubeconfig = join(w.world.cloudDir, 'kubeconfig');
      const exported = await w.run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
      expect(exported.code, exported.stderr).toBe(0);
      const rolled = await w.run('rolling-update', 'cluster', NAME, '--yes', '--force', '--validate-count', '1', '--kubeconfig', kubeconfig);
      stop = true;
      await loop;
      expect(rolled.code, rolled.stderr).toBe(0);
      expect(rolled.stdout).toContain('Rolling update completed: 3 instance(s) replaced');
      process.stdout.write(`etcd HA roll: ${writes} writes during the roll, longest write outage ${longest} ms\n`);
      expect(longest).toBeLessThan(10_000);

      const after = await waitHealthy(w, 3);
      expect(ids(after)).toEqual(idsBefore);
      // The members serve at the replacement machines' addresses.
      const fresh = await Promise.all(urls(after).map((u) => etcdClient([u], creds)));
      try {
        const all = await fresh[0]!.getAll().prefix('keys/').strings();
        expect(Object.keys(all)).toHaveLength(KEYS);
        expect(all['keys/0999']).toBe('v999');
      } finally {
        for (const c of fresh) c.close();
      }
    } finally {
      loader.close();
      probe.close();
    }
  });
});
