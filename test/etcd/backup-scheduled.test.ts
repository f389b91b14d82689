/**
 * Scheduled etcd backups and validate cluster's etcd checks, on one local cluster of one
 * control-plane machine running the real etcd. Its spec sets `interval: 3s` for etcd main (allowed
 * with a warning below 1m) and a retention of minutes: the machine's etcd-backup.service takes a
 * backup every 3 s, each due from the newest one in the store (also across a restart of the
 * service), prunes the expired ones, and reports in the state store; concurrent ticks of
 * several holders take one backup per slot. Then `validate cluster` passes, and fails naming
 * main/a within seconds once that member's etcd is stopped (SIGSTOP by its PID, so that the
 * supervisor does not start it again; SIGCONT afterwards, also on failure).
 */

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { backupTick } from '../../nodeup/etcd/backup-schedule.js';
import type { MemberBackupReport } from '../../nodeup/etcd/backup-service-report.js';
import { reportKey } from '../../nodeup/etcd/backup-service-report.js';
import type { BackupLocation, BackupManifest } from '../../nodeup/etcd/backup-store.js';
import { defaultBackupPrefix, listBackups } from '../../nodeup/etcd/backup-store.js';
import { readMembers } from '../../nodeup/etcd/registry.js';
import { operatorCredentials } from '../../nodeup/etcd/status.js';
import { instanceStatusPrefix } from '../../nodeup/config/keys.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import type { LocalWorld } from '../cli/local-support.js';
import { localWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { hostEtcdVersion } from './support.js';

const NAME = 'etcd-schedule.k8s.local';
const INTERVAL_MS = 3_000;
let world: LocalWorld;
let store: ObjectStore;
let main: BackupLocation;
const stopped = new Set<number>();

const run = (...args: string[]) => hoistProcess(args, { env: world.env });
async function must(...args: string[]) {
  const r = await run(...args);
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** PIDs of this world's processes (their environment names an instance root in its cloud folder) whose command line has `part`. */
async function pidsOf(part: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const [cmd, env] = await Promise.all([readFile(`/proc/${entry}/cmdline`, 'utf8'), readFile(`/proc/${entry}/environ`, 'utf8')].map((p) => p.catch(() => '')));
    if (cmd?.includes(part) && env?.split('\0').some((v) => v.startsWith('HOIST_NODE_ROOT=') && v.includes(world.cloudDir))) found.push(Number(entry));
  }
  return found;
}

/** A backup of long ago, as the schedule would have left it, for pruning to remove. */
async function seed(daysAgo: number): Promise<string> {
  const at = new Date(Date.now() - daysAgo * 86_400_000);
  const id = at.toISOString().replace(/[-:]/g, '');
  await store.put(`${main.prefix}${id}/snapshot.db`, 'old');
  await store.put(`${main.prefix}${id}/manifest.json`, JSON.stringify({ id, cluster: NAME, etcdCluster: 'main', takenAt: at.toISOString(), revision: '1', size: 3, sha256: '', etcdVersion: '3.4.23', takenFrom: 'a', members: [] }));
  return id;
}

let seeded: string[] = [];

beforeAll(async () => {
  hostEtcdVersion();
  world = await localWorld();
  store = await openStore(world.env.HOIST_STATE_STORE ?? '', { env: { ...process.env, ...world.env } });
  main = { store, prefix: defaultBackupPrefix(NAME, 'main'), where: 'the state store' };
  await must('create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', '0');
  const file = join(world.stateDir, 'cluster.yaml');
  const cluster = parse((await must('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: { etcdClusters: { name: string; backups?: unknown }[] } };
  for (const e of cluster.spec.etcdClusters) if (e.name === 'main') e.backups = { interval: '3s', retention: { hourly: '1m', daily: '2m' } };
  await writeFile(file, stringify(cluster));
  await must('replace', '-f', file);
  seeded = [await seed(400), await seed(3)];
  await must('update', 'cluster', NAME, '--yes');
  await must('validate', 'cluster', NAME, '--wait', '3m');
}, 240_000);

afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  store?.close?.();
  if (world !== undefined) expect(await world.destroy()).toEqual([]);
});

/** Every backup id of etcd main seen while polling, until `count` scheduled ones were seen. */
async function watchBackups(count: number, during?: (seen: readonly BackupManifest[]) => Promise<void>): Promise<BackupManifest[]> {
  const seen = new Map<string, BackupManifest>();
  const deadline = Date.now() + 60_000;
  let acted = false;
  while (seen.size < count) {
    for (const b of await listBackups(main)) if (!seeded.includes(b.id)) seen.set(b.id, b);
    if (!acted && seen.size >= 1 && during) {
      acted = true;
      await during([...seen.values()]);
    }
    if (Date.now() > deadline) throw new Error(`saw ${seen.size} scheduled backups within 60 s: ${[...seen.keys()].join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
}

describe('scheduled etcd backups', () => {
  it('takes one every interval, due from the newest in the store across a restart of the service, and prunes the expired ones', async () => {
    const backups = await watchBackups(3, async () => {
      // The service stops mid-schedule: its restart must not take one sooner than due.
      const [pid] = await pidsOf('etcd-backup-service');
      expect(pid, 'the etcd-backup-service process of the machine').toBeDefined();
      process.kill(pid!, 'SIGKILL');
    });
    const times = backups.map((b) => Date.parse(b.takenAt));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.every((g) => g >= INTERVAL_MS), `gaps ${gaps.join(', ')} ms`).toBe(true);
    expect(backups.every((b) => b.etcdCluster === 'main' && b.takenFrom === 'a' && b.members.map((m) => m.name).join() === 'a' && b.etcdVersion === hostEtcdVersion())).toBe(true);
    const listed = JSON.parse((await must('etcd', 'list-backups', NAME, '--cluster', 'main', '-o', 'json')).stdout) as { backups: BackupManifest[] };
    const ids = listed.backups.map((b) => b.id);
    // The expired seeds are gone; of this hour's backups, retention keeps the newest.
    expect(ids.filter((id) => seeded.includes(id))).toEqual([]);
    expect(ids.length).toBeGreaterThanOrEqual(1);
    expect(ids.every((id) => id >= backups[0]!.id)).toBe(true);
    expect(await store.list(`${main.prefix}${seeded[0]}/`)).toEqual([]);
    // etcd events keeps the default 15m, due 15 minutes after it began: none yet.
    expect(await listBackups({ ...main, prefix: defaultBackupPrefix(NAME, 'events') })).toEqual([]);
  }, 90_000);

  it('reports the member and its backups in the state store and the machine status report', async () => {
    const newest = (await listBackups(main)).at(-1)!;
    const report = JSON.parse(Buffer.from((await store.get(reportKey(NAME, 'main', 'a')))!.body).toString('utf8')) as MemberBackupReport;
    expect(report).toMatchObject({ member: 'a', healthy: true, backups: { interval: '3s', warning: expect.stringContaining('below 1m') } });
    expect(report.leader).toBe(report.id);
    expect(report.backups.lastBackup! >= newest.id || report.backups.lastBackup === newest.id).toBe(true);
    const [statusKey] = await store.list(instanceStatusPrefix(NAME));
    const status = JSON.parse(Buffer.from((await store.get(statusKey!))!.body).toString('utf8')) as { phase: string; etcd?: Record<string, { member: string; healthy: boolean; lastBackup?: string }> };
    expect(status.phase).toBe('Ready');
    expect(status.etcd?.main).toMatchObject({ member: 'a', healthy: true, lastBackup: expect.stringMatching(/^\d{8}T/) });
    expect(status.etcd?.events).toMatchObject({ member: 'a', healthy: true });
  });

  it('gives each slot to one holder of those that tick at once', async () => {
    const creds = await operatorCredentials(store, NAME);
    const selfUrl = (await readMembers(store, NAME, 'main')).get('a')!.clientUrl;
    const loc = { ...main, prefix: `backups/etcd/lease.test/main/` };
    const now = new Date();
    const tick = (holder: string) => backupTick({ cluster: NAME, etcdCluster: 'main', selfUrl, holder, creds, location: loc, intervalMs: 60_000, retention: { hourlyMs: 3_600_000, dailyMs: 86_400_000 }, now: () => now });
    const results = await Promise.all(['x', 'y', 'z', 'w'].map(tick));
    expect(results.map((r) => r.kind).sort()).toEqual(['claimed-elsewhere', 'claimed-elsewhere', 'claimed-elsewhere', 'taken']);
    expect(await listBackups(loc)).toHaveLength(1);
  }, 30_000);
});

describe("validate cluster's etcd checks", () => {
  const validate = async () => JSON.parse((await run('validate', 'cluster', NAME, '-o', 'json')).stdout) as { valid: boolean; failures: { kind: string; name: string; message: string }[] };

  it('passes, then names member a of etcd main within seconds of its etcd stopping', async () => {
    const before = await validate();
    expect(before.failures.filter((f) => f.kind === 'etcd')).toEqual([]);
    expect(before.valid, JSON.stringify(before.failures)).toBe(true);
    const [pid] = await pidsOf('--data-dir=mnt/etcd-main/data');
    expect(pid, 'the etcd main process of the machine').toBeDefined();
    process.kill(pid!, 'SIGSTOP');
    stopped.add(pid!);
    const started = Date.now();
    let failed: Awaited<ReturnType<typeof validate>> | undefined;
    while (Date.now() - started < 20_000) {
      const r = await validate();
      if (r.failures.some((f) => f.kind === 'etcd')) {
        failed = r;
        break;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    expect(failed?.valid).toBe(false);
    expect(failed?.failures.filter((f) => f.kind === 'etcd')).toEqual([{ kind: 'etcd', name: 'main/a', message: expect.stringMatching(/^etcd main: member a at https:\/\/[\d.]+:2379 is not healthy: it accepts connections but does not answer/) }]);
    expect(seconds).toBeLessThan(20);
    process.kill(pid!, 'SIGCONT');
    stopped.delete(pid!);
  }, 60_000);
});
