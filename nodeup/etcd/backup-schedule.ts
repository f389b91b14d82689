/**
 * One tick of the scheduled backups, as each control-plane member's backup service runs it
 * (./backup-service.ts): only the member that is the leader tries, only when the newest backup
 * is older than the interval, and only once it has claimed the slot in the store
 * (./backup-lease.ts), so that two members that both believe they lead (a leader change under
 * way) never take the same backup. Uses the same code as `hoist etcd backup`, retention
 * included. The clock is an argument, for tests.
 */

import type { EventSink } from '../../src/output/events.js';
import { claimSlot } from './backup-lease.js';
import type { BackupLocation } from './backup-store.js';
import { newestBackup } from './backup-store.js';
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
  /** Who claims the slot (`<member>@<instance id>`); the URL by default. */
  readonly holder?: string;
  readonly creds: EtcdCredentials;
  readonly location: BackupLocation;
  readonly intervalMs: number;
  /** When the etcd cluster began (its bootstrap record): the first backup is due an interval after it; at once when unknown. */
  readonly since?: string;
  readonly retention: Retention;
  readonly now: () => Date;
  readonly events?: EventSink;
}

export type TickResult =
  | { readonly kind: 'not-leader' }
  | { readonly kind: 'not-due'; readonly newest: string; readonly dueAt: string }
  | { readonly kind: 'claimed-elsewhere'; readonly holder: string }
  | ({ readonly kind: 'taken' } & TakenBackup);

/** When the next backup is due: the interval after the newest backup, or after the cluster began when there is none (now when that is unknown too). */
export function dueAt(newestTakenAt: string | undefined, intervalMs: number, now: Date): Date {
  return newestTakenAt === undefined || Number.isNaN(Date.parse(newestTakenAt)) ? now : new Date(Date.parse(newestTakenAt) + intervalMs);
}

export async function backupTick(t: ScheduleTick): Promise<TickResult> {
  const s = await memberStatus(t.selfUrl, t.creds);
  if (s.error !== undefined || s.id === undefined || s.leader !== s.id) return { kind: 'not-leader' };
  const newest = await newestBackup(t.location);
  const due = dueAt(newest?.takenAt ?? t.since, t.intervalMs, t.now());
  if (t.now().getTime() < due.getTime()) return { kind: 'not-due', newest: newest?.id ?? '', dueAt: due.toISOString() };
  const after = newest?.id ?? '';
  const claim = await claimSlot(t.location, after, t.holder ?? t.selfUrl, t.now());
  if (!claim.won) return { kind: 'claimed-elsewhere', holder: claim.holder };
  // Won: unless a backup was written after `after` since the listing (then this slot is taken).
  const still = (await newestBackup(t.location))?.id ?? '';
  if (still !== after) return { kind: 'claimed-elsewhere', holder: 'a member that took it first' };
  const taken = await takeBackup({ cluster: t.cluster, etcdCluster: t.etcdCluster, urls: [t.selfUrl], creds: t.creds, location: t.location, retention: t.retention, now: t.now, ...(t.events ? { events: t.events } : {}) });
  return { kind: 'taken', ...taken };
}
