/**
 * Taking one backup of an etcd cluster: the snapshot is streamed from the leader (one member,
 * and the one whose data is the cluster's), hashed, and written with its manifest; then the
 * backups older than the retention allows are deleted. Used by `hoist etcd backup` and by the
 * scheduled backups of the control plane alike.
 */

import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { BackupLocation, BackupManifest } from './backup-store.js';
import { backupId, deleteBackup, listBackups, sha256, writeBackup } from './backup-store.js';
import type { EtcdCredentials } from './client.js';
import { clusterHealth, withClient } from './client.js';
import type { Retention } from './retention.js';
import { prunable } from './retention.js';

export interface TakeBackupInput {
  readonly cluster: string;
  readonly etcdCluster: string;
  /** Client URLs of members (any that answer lead to the leader). */
  readonly urls: readonly string[];
  readonly creds: EtcdCredentials;
  readonly location: BackupLocation;
  readonly retention?: Retention;
  readonly now?: () => Date;
  readonly events?: EventSink;
}

export interface TakenBackup {
  readonly manifest: BackupManifest;
  readonly pruned: readonly string[];
  readonly ms: number;
}

/**
 * The whole snapshot and the revision it holds at least: etcd 3.4 sends the snapshot's chunks
 * with an empty header, so the revision is the member's own, asked just before the stream.
 */
export async function streamSnapshot(url: string, creds: EtcdCredentials): Promise<{ bytes: Buffer; revision: string }> {
  return withClient([url], creds, async (c) => {
    const before = (await c.maintenance.status()).header.revision;
    const stream = await c.maintenance.snapshot();
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let revision: string | undefined;
      stream.on('data', (r) => {
        if (r.header?.revision !== undefined && r.header.revision !== '0') revision ??= r.header.revision;
        chunks.push(r.blob);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve({ bytes: Buffer.concat(chunks), revision: revision ?? before }));
    });
  });
}

export async function takeBackup(input: TakeBackupInput): Promise<TakenBackup> {
  const now = input.now ?? (() => new Date());
  const started = Date.now();
  const health = await clusterHealth(input.urls, input.creds);
  const leader = health.members.find((m) => m.ID === health.leader);
  const leaderUrl = leader?.clientURLs[0];
  if (leader === undefined || leaderUrl === undefined) {
    throw new HoistError('ABORTED', `etcd ${input.etcdCluster} of ${input.cluster} has no leader to take a backup from: ${health.problem ?? 'no member answers'}`, { hint: `see hoist etcd status ${input.cluster}` });
  }
  const at = now();
  const { bytes, revision } = await streamSnapshot(leaderUrl, input.creds);
  const manifest: BackupManifest = {
    id: backupId(at),
    cluster: input.cluster,
    etcdCluster: input.etcdCluster,
    takenAt: at.toISOString(),
    revision,
    size: bytes.byteLength,
    sha256: sha256(bytes),
    etcdVersion: health.statuses.get(leader.ID)?.version ?? 'unknown',
    takenFrom: leader.name,
    members: health.members.map((m) => ({ name: m.name, id: BigInt(m.ID).toString(16), peerUrls: m.peerURLs })),
  };
  await writeBackup(input.location, manifest, bytes);
  input.events?.({ level: 'info', code: 'etcd.backup', message: `etcd ${input.etcdCluster}: backup ${manifest.id} (revision ${revision}, ${bytes.byteLength} bytes) written to ${input.location.where}`, data: { id: manifest.id } });
  const pruned = input.retention === undefined ? [] : await prune(input.location, input.retention, now(), input.events);
  return { manifest, pruned, ms: Date.now() - started };
}

export async function prune(location: BackupLocation, retention: Retention, now: Date, events?: EventSink): Promise<string[]> {
  const gone = prunable(await listBackups(location), now, retention);
  for (const id of gone) await deleteBackup(location, id);
  if (gone.length > 0) events?.({ level: 'info', code: 'etcd.backup-pruned', message: `deleted ${gone.length} backups older than the retention allows: ${gone.join(', ')}`, data: { ids: gone } });
  return gone;
}
