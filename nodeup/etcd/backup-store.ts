/**
 * Where etcd backups live and what each holds: one folder per backup, `<id>/snapshot.db` (the
 * snapshot as etcd streamed it) and `<id>/manifest.json` (revision, size, sha256, etcd version,
 * member list), written snapshot first so that a manifest always names a whole snapshot. The
 * default place is the state store under `backups/etcd/<cluster>/<etcd-cluster>/`; a cluster may
 * name another store (`spec.etcdClusters[].backups.store`).
 */

import { createHash } from 'node:crypto';
import { HoistError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';

export interface BackupMember {
  readonly name: string;
  /** Hex, as `hoist etcd status` shows it. */
  readonly id: string;
  readonly peerUrls: readonly string[];
}

export interface BackupManifest {
  readonly id: string;
  readonly cluster: string;
  readonly etcdCluster: string;
  readonly takenAt: string;
  /** The revision the snapshot holds at least (the leader's, as the snapshot began). */
  readonly revision: string;
  readonly size: number;
  readonly sha256: string;
  readonly etcdVersion: string;
  /** The member that streamed it (the leader when it was taken). */
  readonly takenFrom: string;
  readonly members: readonly BackupMember[];
}

/** A store and the key prefix (ending in `/`, or empty) under which one etcd cluster's backups live. */
export interface BackupLocation {
  readonly store: ObjectStore;
  readonly prefix: string;
  /** As shown to people: the store's URL and the prefix. */
  readonly where: string;
}

export const defaultBackupPrefix = (cluster: string, etcd: string): string => `backups/etcd/${cluster}/${etcd}/`;

const snapshotKey = (loc: BackupLocation, id: string) => `${loc.prefix}${id}/snapshot.db`;
const manifestKey = (loc: BackupLocation, id: string) => `${loc.prefix}${id}/manifest.json`;

/** Sortable by time, readable, and safe as a key: `20261204T203512.345Z`. */
export function backupId(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function writeBackup(loc: BackupLocation, manifest: BackupManifest, snapshot: Uint8Array): Promise<void> {
  await loc.store.put(snapshotKey(loc, manifest.id), snapshot, { ifNoneMatch: '*' });
  await loc.store.put(manifestKey(loc, manifest.id), `${JSON.stringify(manifest, null, 2)}\n`, { ifNoneMatch: '*' });
}

/** Every backup with a readable manifest, oldest first; a folder without one (a snapshot whose manifest was never written) is left out. */
export async function listBackups(loc: BackupLocation): Promise<BackupManifest[]> {
  const keys = (await loc.store.list(loc.prefix)).filter((k) => k.endsWith('/manifest.json'));
  const found = await Promise.all(
    keys.map(async (k) => {
      const o = await loc.store.get(k);
      if (o === undefined) return undefined;
      try {
        return JSON.parse(Buffer.from(o.body).toString('utf8')) as BackupManifest;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((m): m is BackupManifest => m !== undefined && typeof m.id === 'string').sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The newest backup with a readable manifest, reading only its manifest (and older ones only
 * where a newer one cannot be read): what the schedule asks every pass, so that a store of
 * hundreds of backups costs a listing, not hundreds of reads.
 */
export async function newestBackup(loc: BackupLocation): Promise<BackupManifest | undefined> {
  const keys = (await loc.store.list(loc.prefix)).filter((k) => k.endsWith('/manifest.json')).sort().reverse();
  for (const k of keys) {
    const o = await loc.store.get(k);
    if (o === undefined) continue;
    try {
      const m = JSON.parse(Buffer.from(o.body).toString('utf8')) as BackupManifest;
      if (typeof m.id === 'string') return m;
    } catch {
      // Unreadable: as listBackups, it is not a backup.
    }
  }
  return undefined;
}

export async function readManifest(loc: BackupLocation, id: string): Promise<BackupManifest> {
  const all = await listBackups(loc);
  const m = all.find((b) => b.id === id);
  if (m === undefined) {
    const newest = all.at(-1)?.id;
    throw new HoistError('NOT_FOUND', `--backup: no backup ${JSON.stringify(id)} in ${loc.where}`, { hint: newest ? `list them with hoist etcd list-backups (the newest is ${newest})` : 'take one with hoist etcd backup' });
  }
  return m;
}

/**
 * The snapshot of a backup, checked against its manifest: a snapshot whose size or sha256
 * differs is refused, and nothing is changed anywhere.
 */
export async function readVerifiedSnapshot(loc: BackupLocation, m: BackupManifest): Promise<Uint8Array> {
  const o = await loc.store.get(snapshotKey(loc, m.id));
  if (o === undefined) throw new HoistError('NOT_FOUND', `backup ${m.id} in ${loc.where} has a manifest but no snapshot.db`, { hint: 'choose another backup: hoist etcd list-backups' });
  const got = sha256(o.body);
  if (got !== m.sha256 || o.body.byteLength !== m.size) {
    throw new HoistError('CONFLICT', `backup ${m.id}: snapshot.db has sha256 ${got} and ${o.body.byteLength} bytes, but its manifest says ${m.sha256} and ${m.size} bytes: it was changed or damaged, and is not restored`, {
      hint: 'choose another backup (hoist etcd list-backups); nothing was changed',
    });
  }
  return o.body;
}

export async function deleteBackup(loc: BackupLocation, id: string): Promise<void> {
  // The manifest goes first: a backup without one is no longer listed, whatever happens next.
  await loc.store.delete(manifestKey(loc, id));
  await loc.store.delete(snapshotKey(loc, id));
}

/** The newest backup's id in the default place (the state store), for `hoist etcd status`; null when there is none. */
export async function lastBackupId(stateStore: ObjectStore, cluster: string, etcd: string): Promise<string | null> {
  const prefix = defaultBackupPrefix(cluster, etcd);
  const ids = (await stateStore.list(prefix)).filter((k) => k.endsWith('/manifest.json')).map((k) => k.slice(prefix.length, -'/manifest.json'.length));
  return ids.sort().at(-1) ?? null;
}
