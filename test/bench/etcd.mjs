// etcd backup benchmark: one real etcd member (the host's, TLS) holding 10,000 keys; a backup
// (snapshot streamed from the leader, hashed, written with its manifest to a folder store), and
// a restore (snapshot read back and checked, etcdctl snapshot restore into a new data dir, the
// member started on it until it serves with a leader). Prints both times and the snapshot size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, report } from './lib.mjs';

const KEYS = 10_000;

/**
 * Loaded through tsx rather than bundled: the etcd client reads its gRPC definitions from its
 * own folder at load, which a bundle in a temporary folder would not have.
 */
async function load() {
  const { tsImport } = await import('tsx/esm/api');
  const from = (path) => tsImport(`${ROOT}${path}`, import.meta.url);
  const [backup, store, restore, client, open, support] = await Promise.all(
    ['nodeup/etcd/backup.ts', 'nodeup/etcd/backup-store.ts', 'nodeup/etcd/restore.ts', 'nodeup/etcd/client.ts', 'state-store/open.ts', 'test/etcd/backup-support.ts'].map(from),
  );
  return { ...backup, ...store, ...restore, ...client, ...open, ...support };
}

export async function benchEtcd(results) {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-bench-etcd-'));
  let member;
  try {
    const m = await load();
    const etcdctl = m.hostEtcdctl();
    const pki = await m.etcdPki(join(dir, 'pki'));
    const [clientPort, peerPort] = [await m.freePort(), await m.freePort()];
    const spec = { name: 'a', clientPort, peerPort, dataDir: join(dir, 'a', 'data'), initialCluster: `a=https://127.0.0.1:${peerPort}`, token: 'etcd-main.bench' };
    member = await m.startMember(pki, spec);
    const urls = [member.clientUrl];
    const value = 'x'.repeat(100);
    await m.onFirst(urls, pki.creds, async (c) => {
      for (let i = 0; i < KEYS; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => c.put(`k/${String(i + j).padStart(5, '0')}`).value(value)));
    });
    const location = { store: await m.openStore(join(dir, 'store')), prefix: 'backups/etcd/bench/main/', where: 'bench' };

    let t = performance.now();
    const { manifest } = await m.takeBackup({ cluster: 'bench', etcdCluster: 'main', urls, creds: pki.creds, location });
    const backupMs = performance.now() - t;
    await m.onFirst(urls, pki.creds, (c) => c.delete().all().then(() => undefined));
    await member.stop();

    t = performance.now();
    const snapshot = await m.readVerifiedSnapshot(location, manifest);
    await m.restoreDataDir({ snapshot, backupId: manifest.id, member: 'a', peerUrl: `https://127.0.0.1:${peerPort}`, initialCluster: spec.initialCluster, token: spec.token, dataDir: spec.dataDir, etcdctl });
    member = await m.startMember(pki, spec);
    const restoreMs = performance.now() - t;
    const count = await m.onFirst(urls, pki.creds, (c) => c.getAll().prefix('k/').count());
    if (count !== KEYS) throw new Error(`the restore brought back ${count} keys, not ${KEYS}`);

    report(results, `etcd backup, ${KEYS.toLocaleString('en')} keys (snapshot ${(manifest.size / 1024 / 1024).toFixed(1)} MiB)`, backupMs, 'ms', 3_000);
    report(results, `etcd restore, ${KEYS.toLocaleString('en')} keys, until it serves`, restoreMs, 'ms', 10_000);
    report(results, 'etcd snapshot size', manifest.size / 1024, 'KiB', 16 * 1024);
  } finally {
    await member?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = [];
  await benchEtcd(results);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}
