/**
 * A restore as the members carry it out, coordinated through the state store (as on every
 * cloud, nothing here names one): `hoist etcd restore --yes` writes a request naming the backup,
 * then replaces the control-plane machines. Each replacement's member, before it starts, finds
 * the request, checks the snapshot, waits until every member of the request has published its
 * address, restores the snapshot onto its own volume as a member of a new cluster of exactly
 * those members, marks the volume (so that a later boot does not restore again) and reports
 * back under `restored/<member>.json`. Then it starts on the restored data as usual.
 */

import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import { storeProxyOption } from '../http-proxy.js';
import type { BackupLocation } from './backup-store.js';
import { readManifest, readVerifiedSnapshot } from './backup-store.js';
import { publishMember, readMembers, etcdStatusPrefix } from './registry.js';
import { restoreDataDir } from './restore.js';

export interface RestoreRequest {
  readonly requestId: string;
  readonly etcdCluster: string;
  readonly backupId: string;
  readonly sha256: string;
  /** Another store than the state store, when the backups are kept there. */
  readonly store?: string;
  readonly prefix: string;
  readonly members: readonly string[];
  readonly requestedAt: string;
}

export interface RestoredReport {
  readonly requestId: string;
  readonly member: string;
  readonly at: string;
  readonly movedAside?: string;
}

export const restoreRequestKey = (cluster: string, etcd: string): string => `${etcdStatusPrefix(cluster, etcd)}restore.json`;
export const restoredKey = (cluster: string, etcd: string, member: string): string => `${etcdStatusPrefix(cluster, etcd)}restored/${member}.json`;

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const o = await store.get(key);
  return o === undefined ? undefined : (JSON.parse(Buffer.from(o.body).toString('utf8')) as T);
}

export const readRestoreRequest = (store: ObjectStore, cluster: string, etcd: string): Promise<RestoreRequest | undefined> => readJson(store, restoreRequestKey(cluster, etcd));
export const readRestored = (store: ObjectStore, cluster: string, etcd: string, member: string): Promise<RestoredReport | undefined> => readJson(store, restoredKey(cluster, etcd, member));

export async function writeRestoreRequest(store: ObjectStore, cluster: string, r: RestoreRequest): Promise<void> {
  await store.put(restoreRequestKey(cluster, r.etcdCluster), json(r));
}

export async function backupLocationOf(stateStore: ObjectStore, r: Pick<RestoreRequest, 'store' | 'prefix'>, env: Readonly<Record<string, string | undefined>>): Promise<BackupLocation> {
  const store = r.store === undefined ? stateStore : await openStore(r.store, { env, source: 'spec.etcdClusters[].backups.store', ...storeProxyOption() });
  return { store, prefix: r.prefix, where: `${r.store ?? 'the state store'} under ${r.prefix || '/'}` };
}

export interface MemberRestoreInput {
  readonly store: ObjectStore;
  readonly cluster: string;
  readonly etcdCluster: string;
  readonly member: string;
  readonly instanceId: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
  /** Host paths. */
  readonly volume: string;
  readonly dataDir: string;
  readonly etcdctl: string;
  readonly events: EventSink;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Does nothing unless a restore was requested that this member's volume has not carried out. */
export async function restoreIfRequested(i: MemberRestoreInput): Promise<void> {
  const req = await readRestoreRequest(i.store, i.cluster, i.etcdCluster);
  if (req === undefined || !req.members.includes(i.member)) return;
  const marker = join(i.volume, 'restored', req.requestId);
  if (await exists(marker)) return;
  const say = (message: string) => i.events({ level: 'info', code: 'etcd.restore', message: `etcd ${i.etcdCluster}: member ${i.member} ${message}`, data: { requestId: req.requestId, backupId: req.backupId } });
  const loc = await backupLocationOf(i.store, req, i.env ?? process.env);
  const manifest = await readManifest(loc, req.backupId);
  if (manifest.sha256 !== req.sha256) throw new HoistError('CONFLICT', `etcd ${i.etcdCluster}: backup ${req.backupId} is not the one the restore request names (sha256 ${manifest.sha256}, not ${req.sha256}); member ${i.member} does not restore it`);
  const snapshot = await readVerifiedSnapshot(loc, manifest);
  // Every member of the new cluster must be named with the address it serves at now.
  await publishMember(i.store, i.cluster, { etcdCluster: i.etcdCluster, member: i.member, instanceId: i.instanceId, peerUrl: i.peerUrl, clientUrl: i.clientUrl, updatedAt: new Date().toISOString() });
  say(`restores backup ${req.backupId}; waits for the addresses of ${req.members.join(', ')}`);
  const peers = await waitPublished(i, req);
  const initialCluster = req.members.map((m) => `${m}=${peers.get(m) ?? ''}`).join(',');
  const done = await restoreDataDir({ snapshot, backupId: req.backupId, member: i.member, peerUrl: i.peerUrl, initialCluster, token: `etcd-${i.etcdCluster}.${i.cluster}`, dataDir: i.dataDir, etcdctl: i.etcdctl });
  await mkdir(join(i.volume, 'restored'), { recursive: true });
  await writeFile(marker, json({ backupId: req.backupId, at: new Date().toISOString() }));
  const report: RestoredReport = { requestId: req.requestId, member: i.member, at: new Date().toISOString(), ...(done.movedAside ? { movedAside: done.movedAside } : {}) };
  await i.store.put(restoredKey(i.cluster, i.etcdCluster, i.member), json(report));
  say(`restored backup ${req.backupId} (initial cluster ${initialCluster})${done.movedAside ? `; its old data is kept at ${done.movedAside}` : ''}`);
}

async function waitPublished(i: MemberRestoreInput, req: RestoreRequest): Promise<Map<string, string>> {
  const deadline = Date.now() + (i.timeoutMs ?? 5 * 60_000);
  const since = Date.parse(req.requestedAt);
  for (;;) {
    const published = await readMembers(i.store, i.cluster, i.etcdCluster);
    const fresh = new Map([...published.values()].filter((p) => Date.parse(p.updatedAt) >= since).map((p) => [p.member, p.peerUrl]));
    const missing = req.members.filter((m) => !fresh.has(m));
    if (missing.length === 0) return fresh;
    if (Date.now() > deadline) throw new HoistError('ABORTED', `etcd ${i.etcdCluster}: member ${i.member} cannot restore backup ${req.backupId}: members ${missing.join(', ')} did not publish their addresses since the restore was requested`, { hint: 'bring up their machines (hoist get instances); the restore goes on when they boot' });
    await new Promise((r) => setTimeout(r, 500));
  }
}
