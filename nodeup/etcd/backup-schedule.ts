/**
 * One tick of the scheduled backups, as a control-plane member would run it every minute or so:
 * only the member that is the leader takes a backup (so the members of a cluster never take one
 * each), and only when the newest backup is older than the interval. Uses the same code as
 * `hoist etcd backup`, retention included. The clock is an argument, for tests.
 */

import type { EventSink } from '../../src/output/events.js';
import type { BackupLocation } from './backup-store.js';
import { listBackups } from './backup-store.js';
import type { TakenBackup } from './backup.js';
import { takeBackup } from './backup.js';
import type { EtcdCredentials } from './client.js';
import { memberStatus } from './client.js';
import type { Retention } from './retention.js';

export interface ScheduleTick {
  readonly cluster: string;
  readonly etcdCluster: string;
  /** This member's client URL: it is asked whether it leads. */
  readonly selfUrl: string;
  readonly creds: EtcdCredentials;
  readonly location: BackupLocation;
  readonly intervalMs: number;
  readonly retention: Retention;
  readonly now: () => Date;
  readonly events?: EventSink;
}

export type TickResult = { readonly kind: 'not-leader' } | { readonly kind: 'not-due'; readonly newest: string; readonly dueAt: string } | ({ readonly kind: 'taken' } & TakenBackup);

export async function backupTick(t: ScheduleTick): Promise<TickResult> {
  const s = await memberStatus(t.selfUrl, t.creds);
  if (s.error !== undefined || s.id === undefined || s.leader !== s.id) return { kind: 'not-leader' };
  const newest = (await listBackups(t.location)).at(-1);
  if (newest !== undefined) {
    const due = Date.parse(newest.takenAt) + t.intervalMs;
    if (t.now().getTime() < due) return { kind: 'not-due', newest: newest.id, dueAt: new Date(due).toISOString() };
  }
  const taken = await takeBackup({ cluster: t.cluster, etcdCluster: t.etcdCluster, urls: [t.selfUrl], creds: t.creds, location: t.location, retention: t.retention, now: t.now, ...(t.events ? { events: t.events } : {}) });
  return { kind: 'taken', ...taken };
}
