/**
 * Evidence 3 of issue 13 on the local cloud, with the real etcd: write 1,000 keys to etcd main,
 * `hoist etcd backup`, delete 500, `hoist etcd restore --backup ID --yes`: the control-plane
 * machine is replaced, its member restores the snapshot onto its volume, and all 1,000 keys are
 * back, and the API server answers from the restored data (an object made before the backup is
 * there, one made after it is gone). `list-backups` shows the backup; a tampered one is refused
 * and the store is unchanged.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../nodeup/etcd/backup-store.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import { onFirst } from '../../nodeup/etcd/client.js';
import { openStore } from '../../state-store/open.js';
import { kubectl } from '../apiserver/support.js';
import { hostEtcdctl } from './backup-support.js';
import type { EtcdWorld } from './support.js';
import { etcdWorld, waitHealthy } from './support.js';

const NAME = 'etcd-backup.k8s.local';
const main = (r: readonly EtcdClusterReport[]) => r.find((x) => x.name === 'main')!;
const KEYS = 1_000;
let w: EtcdWorld;
let creds: EtcdCredentials;
let dir: string;
let kubeconfig: string;

// The exported kubeconfig names the load balancer's address; the certificate names api.internal.<cluster>.
const k = (...args: string[]) => kubectl(kubeconfig, dir, ['--tls-server-name', `api.internal.${NAME}`, '--request-timeout=5s', ...args]);

/** Polls /readyz until the API server answers ok (it starts once etcd serves). */
async function waitApiReady(timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await k('get', '--raw', '/readyz');
    if (r.stdout === 'ok') return;
    if (Date.now() > deadline) throw new Error(`the API server was not ready within ${timeoutMs} ms: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const urls = async () => [...(await w.published()).values()].map((m) => m.clientUrl);
const count = async () => onFirst(await urls(), creds, (c) => c.getAll().prefix('k/').count());
const list = async () => JSON.parse((await w.run('etcd', 'list-backups', NAME, '--cluster', 'main', '-o', 'json')).stdout) as { backups: BackupManifest[] };

beforeAll(async () => {
  hostEtcdctl();
  w = await etcdWorld(NAME, 1);
  await waitHealthy(w, 1);
  creds = await w.credentials();
  dir = await mkdtemp(join(tmpdir(), 'hoist-etcd-backup-cli-'));
  kubeconfig = join(dir, 'kubeconfig');
  const exported = await w.run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
  if (exported.code !== 0) throw new Error(`export kubeconfig failed: ${exported.stderr}`);
  await waitApiReady();
}, 180_000);

afterAll(async () => {
  if (w !== undefined) expect(await w.world.destroy()).toEqual([]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('hoist etcd backup and restore', () => {
  it('brings back 1,000 keys after 500 were deleted', async () => {
    await onFirst(await urls(), creds, async (c) => {
      for (let i = 0; i < KEYS; i += 100) await Promise.all([...Array(100)].map((_, j) => c.put(`k/${i + j}`).value(`v${i + j}`)));
    });
    expect((await k('create', 'configmap', 'before-backup', '--from-literal=a=1')).stdout).toBe('configmap/before-backup created\n');
    const backup = await w.run('etcd', 'backup', NAME, '--cluster', 'main');
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^etcd main: backup \S+ \(revision \d+, \d+ bytes, sha256 [0-9a-f]{12}…, from member \S+\)/);
    const [manifest] = (await list()).backups;
    if (manifest === undefined) throw new Error('list-backups shows no backup');
    expect(manifest.etcdCluster).toBe('main');
    expect(manifest.members).toHaveLength(1);
    expect(main((await w.status()).reports).lastBackup).toBe(manifest.id);

    await onFirst(await urls(), creds, async (c) => {
      for (let i = 0; i < KEYS / 2; i += 100) await Promise.all([...Array(100)].map((_, j) => c.delete().key(`k/${i + j}`)));
    });
    expect(await count()).toBe(KEYS / 2);
    expect((await k('create', 'configmap', 'after-backup', '--from-literal=a=1')).stdout).toBe('configmap/after-backup created\n');

    const dry = await w.run('etcd', 'restore', NAME, '--backup', manifest.id);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Must specify --yes/);
    expect(await count()).toBe(KEYS / 2);

    const restore = await w.run('etcd', 'restore', NAME, '--backup', manifest.id, '--yes');
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(new RegExp(`etcd main: restored backup ${manifest.id} in [\\d.]+ s; healthy, leader \\S+, revision \\d+`));
    // events lives on the same machine: carried over through a snapshot taken just before.
    expect(restore.stdout).toMatch(/etcd events: restored backup \S+ in [\d.]+ s; healthy/);
    await waitHealthy(w, 1);
    creds = await w.credentials();
    expect(await count()).toBe(KEYS);
    // The requests are gone once done: a member with an empty volume later joins instead of restoring.
    const state = await openStore(w.world.env.HOIST_STATE_STORE ?? '', { env: { ...process.env, ...w.world.env } });
    expect((await state.list(`${NAME}/status/etcd/`)).filter((k) => k.endsWith('/restore.json'))).toEqual([]);
    await waitApiReady();
    expect((await k('get', 'configmap', 'before-backup', '-o', 'jsonpath={.data.a}')).stdout).toBe('1');
    expect((await k('get', 'configmap', 'after-backup')).stderr).toMatch(/NotFound|not found/);
  }, 240_000);

  it('refuses a tampered backup and changes nothing', async () => {
    const [manifest] = (await list()).backups;
    if (manifest === undefined) throw new Error('no backup from the test before');
    const store = await openStore(w.world.env.HOIST_STATE_STORE ?? '', { env: { ...process.env, ...w.world.env } });
    const key = `backups/etcd/${NAME}/main/${manifest.id}/snapshot.db`;
    const body = Buffer.from((await store.get(key))!.body);
    body[100] = (body[100] ?? 0) ^ 0xff;
    await store.put(key, body);
    const before = await store.list('');
    const r = await w.run('etcd', 'restore', NAME, '--backup', manifest.id, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/snapshot\.db has sha256 [0-9a-f]{64} .* it was changed or damaged, and is not restored/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await store.list('')).toEqual(before);
    expect(await count()).toBe(KEYS);
  }, 60_000);
});
