/**
 * Backups and restore against three real etcd members (the host's etcd, TLS): a backup streamed
 * from the leader carries a manifest that matches its snapshot; after 500 of 1,000 keys are
 * deleted, every member stops, the snapshot is restored into each member's data dir as a new
 * cluster of the same members, and all 1,000 keys are back. A tampered snapshot is refused
 * and the store is left as it was.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupLocation } from '../../nodeup/etcd/backup-store.js';
import { listBackups, readVerifiedSnapshot, sha256 } from '../../nodeup/etcd/backup-store.js';
import { takeBackup } from '../../nodeup/etcd/backup.js';
import { backupTick } from '../../nodeup/etcd/backup-schedule.js';
import { memberList, onFirst } from '../../nodeup/etcd/client.js';
import { restoreDataDir } from '../../nodeup/etcd/restore.js';
import { openStore } from '../../state-store/open.js';
import type { Member, MemberSpec, Pki } from './backup-support.js';
import { etcdPki, freePort, hostEtcdctl, startMember } from './backup-support.js';
import { hostEtcdVersion } from './support.js';

const KEYS = 1_000;
let dir: string;
let pki: Pki;
let specs: MemberSpec[];
let members: Member[] = [];
let location: BackupLocation;

const urls = () => members.map((m) => m.clientUrl);
const count = () => onFirst(urls(), pki.creds, (c) => c.getAll().prefix('k/').count());
const startAll = async () => {
  members = [];
  // The first two cannot elect a leader before the third is up: only the last start waits.
  for (const [i, s] of specs.entries()) members.push(await startMember(pki, s, i === specs.length - 1));
};

beforeAll(async () => {
  hostEtcdVersion();
  hostEtcdctl();
  dir = await mkdtemp(join(tmpdir(), 'hoist-etcd-backup-'));
  pki = await etcdPki(join(dir, 'pki'));
  const ports = await Promise.all([...Array(6)].map(() => freePort()));
  const names = ['a', 'b', 'c'];
  const initialCluster = names.map((n, i) => `${n}=https://127.0.0.1:${ports[i * 2 + 1]}`).join(',');
  specs = names.map((name, i) => ({ name, clientPort: ports[i * 2]!, peerPort: ports[i * 2 + 1]!, dataDir: join(dir, name, 'data'), initialCluster, token: 'etcd-main.backup.test' }));
  await startAll();
  const store = await openStore(join(dir, 'store'));
  location = { store, prefix: 'backups/etcd/backup.test/main/', where: `${join(dir, 'store')} backups/etcd/backup.test/main/` };
}, 60_000);

afterAll(async () => {
  await Promise.all(members.map((m) => m.stop()));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('etcd backup and restore', () => {
  it('restores all 1,000 keys after 500 were deleted, on the same members', async () => {
    await onFirst(urls(), pki.creds, async (c) => {
      for (let i = 0; i < KEYS; i += 100) await Promise.all([...Array(100)].map((_, j) => c.put(`k/${i + j}`).value(`v${i + j}`)));
    });
    expect(await count()).toBe(KEYS);
    const before = await memberList(urls(), pki.creds);

    const { manifest } = await takeBackup({ cluster: 'backup.test', etcdCluster: 'main', urls: urls(), creds: pki.creds, location });
    expect(manifest.etcdVersion).toBe(hostEtcdVersion());
    expect(Number(manifest.revision)).toBeGreaterThanOrEqual(KEYS + 1);
    expect(manifest.members.map((m) => m.name).sort()).toEqual(['a', 'b', 'c']);
    const snapshot = await readVerifiedSnapshot(location, manifest);
    expect(sha256(snapshot)).toBe(manifest.sha256);
    expect(snapshot.byteLength).toBe(manifest.size);

    await onFirst(urls(), pki.creds, async (c) => {
      for (let i = 0; i < KEYS / 2; i += 100) await Promise.all([...Array(100)].map((_, j) => c.delete().key(`k/${i + j}`)));
    });
    expect(await count()).toBe(500);

    await Promise.all(members.map((m) => m.stop()));
    const got = await readVerifiedSnapshot(location, manifest);
    const initialCluster = specs[0]!.initialCluster;
    const moved = await Promise.all(
      specs.map((s) => restoreDataDir({ snapshot: got, backupId: manifest.id, member: s.name, peerUrl: `https://127.0.0.1:${s.peerPort}`, initialCluster, token: s.token, dataDir: s.dataDir, etcdctl: hostEtcdctl() })),
    );
    expect(moved.every((m) => m.movedAside !== undefined)).toBe(true);
    await startAll();

    expect(await count()).toBe(KEYS);
    const after = await memberList(urls(), pki.creds);
    expect(after.map((m) => m.name).sort()).toEqual(before.map((m) => m.name).sort());
    expect(after.map((m) => m.peerURLs[0]).sort()).toEqual(before.map((m) => m.peerURLs[0]).sort());
    // A new cluster: writes go through (the restored consistent index lets them apply).
    await onFirst(urls(), pki.creds, async (c) => {
      await c.put('after-restore').value('yes');
    });
    expect(await onFirst(urls(), pki.creds, (c) => c.get('after-restore').string())).toBe('yes');
  }, 60_000);

  it('refuses a tampered snapshot and changes nothing', async () => {
    const [manifest] = await listBackups(location);
    if (manifest === undefined) throw new Error('no backup from the test before');
    const key = `${location.prefix}${manifest.id}/snapshot.db`;
    const body = Buffer.from((await location.store.get(key))!.body);
    const at = body.length >> 1;
    body[at] = (body[at] ?? 0) ^ 0xff;
    await location.store.put(key, body);
    const keysBefore = await location.store.list('');
    await expect(readVerifiedSnapshot(location, manifest)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/changed or damaged, and is not restored/) });
    expect(await location.store.list('')).toEqual(keysBefore);
    expect(Buffer.from((await location.store.get(key))!.body).equals(body)).toBe(true);
  });
  it('schedules: only the leader takes a backup, and only once the interval has passed', async () => {
    let now = Date.parse('2026-12-04T12:00:00Z');
    const loc = { ...location, prefix: 'backups/etcd/schedule.test/main/' };
    const tick = (m: Member) => backupTick({ cluster: 'schedule.test', etcdCluster: 'main', selfUrl: m.clientUrl, creds: pki.creds, location: loc, intervalMs: 15 * 60_000, retention: { hourlyMs: 7 * 86_400_000, dailyMs: 365 * 86_400_000 }, now: () => new Date(now) });
    const first = await Promise.all(members.map(tick));
    expect(first.map((r) => r.kind).sort()).toEqual(['not-leader', 'not-leader', 'taken']);
    const leader = members[first.findIndex((r) => r.kind === 'taken')]!;
    now += 14 * 60_000;
    expect(await tick(leader)).toMatchObject({ kind: 'not-due', dueAt: '2026-12-04T12:15:00.000Z' });
    now += 2 * 60_000;
    const second = await tick(leader);
    expect(second.kind).toBe('taken');
    // Retention keeps the newest of each hour: the 12:00 backup goes once 12:16 exists.
    expect(second.kind === 'taken' && second.pruned).toEqual(['20261204T120000.000Z']);
    expect((await listBackups(loc)).map((b) => b.takenAt)).toEqual(['2026-12-04T12:16:00.000Z']);
  }, 30_000);
});
