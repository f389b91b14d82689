/**
 * The scheduled etcd backups of a control-plane machine: a long-running service (unit
 * `etcd-backup.service`, ./backup-service-unit.ts) that, for each etcd member on the machine,
 * runs the schedule's tick (./backup-schedule.ts: the leader, with the slot claimed in the store,
 * takes the backup and prunes by retention), and reports how its member and the backups are
 * (./backup-service-report.ts).
 *
 * The schedule lives in the store, not in the process: the next backup is due `interval` after
 * the newest backup there, so a restarted service (or a new leader) goes on where the last one
 * stopped. `spec.etcdClusters[].backups` is read from the cluster's spec at every tick, so a
 * change (`hoist edit cluster`) takes effect within a tick, without an update or a roll.
 */

import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { etcdBackupSettings } from '../../src/api/defaults.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { hostPath } from '../context.js';
import { backupTick, dueAt } from './backup-schedule.js';
import type { MachineEtcdSummary, MemberBackupReport } from './backup-service-report.js';
import { REPORT_MS, hexId, mergeMachineStatus, writeMemberReport } from './backup-service-report.js';
import type { BackupLocation } from './backup-store.js';
import { defaultBackupPrefix, newestBackup } from './backup-store.js';
import type { EtcdCredentials } from './client.js';
import { memberStatus } from './client.js';
import { readBootstrap } from './registry.js';
import { backupLocationOf } from './restore-request.js';
import { parseDuration } from './retention.js';
import type { Retention } from './retention.js';

/** The service's configuration file, which nodeup writes (`/etc/hoist/etcd-backup.json`). */
export interface BackupServiceConfig {
  readonly cluster: string;
  readonly instanceGroup: string;
  readonly instanceId: string;
  readonly stateStore: string;
  readonly members: readonly BackupServiceMember[];
}

export interface BackupServiceMember {
  readonly etcdCluster: string;
  readonly member: string;
  readonly clientUrl: string;
  /** Node paths (absolute) of the client CA and of nodeup's etcd client certificate and key. */
  readonly clientCa: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Below this an interval is allowed (tests, experiments) with a warning: each backup is a whole snapshot. */
export const MIN_SENSIBLE_INTERVAL_MS = 60_000;

export interface Schedule {
  readonly interval: string;
  readonly intervalMs: number;
  readonly retention: Retention;
  readonly location: BackupLocation;
  readonly warning?: string;
}

/** The schedule of one etcd cluster, from the cluster's spec as it is in the state store now. */
export async function readSchedule(store: ObjectStore, cluster: string, etcd: string, env: Readonly<Record<string, string | undefined>>): Promise<Schedule> {
  const found = await store.get(`${cluster}/config`);
  const spec = found === undefined ? undefined : (parse(Buffer.from(found.body).toString('utf8')) as { spec?: { etcdClusters?: { name?: string; backups?: Parameters<typeof etcdBackupSettings>[0]['backups'] }[] } } | undefined);
  const all = spec?.spec?.etcdClusters ?? [];
  const i = all.findIndex((e) => e.name === etcd);
  const s = etcdBackupSettings(all[i] ?? {});
  const at = `spec.etcdClusters[${Math.max(i, 0)}].backups`;
  const intervalMs = parseDuration(s.interval, `${at}.interval`);
  const retention = { hourlyMs: parseDuration(s.retention.hourly, `${at}.retention.hourly`), dailyMs: parseDuration(s.retention.daily, `${at}.retention.daily`) };
  const location = await backupLocationOf(store, s.store === undefined ? { prefix: defaultBackupPrefix(cluster, etcd) } : { store: s.store, prefix: `${cluster}/${etcd}/` }, env);
  const warning = intervalMs < MIN_SENSIBLE_INTERVAL_MS ? `${at}.interval ${s.interval} is below 1m: every backup is a whole snapshot of etcd, so this suits tests, not clusters` : undefined;
  return { interval: s.interval, intervalMs, retention, location, ...(warning ? { warning } : {}) };
}

interface MemberState {
  last?: MemberBackupReport;
  lastError?: { message: string; at: string };
  warned?: string;
}

export interface ServiceRun {
  readonly config: BackupServiceConfig;
  readonly store: ObjectStore;
  /** The machine's root: `/`, or a local cloud instance's folder. */
  readonly root: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
  readonly now?: () => Date;
}

/** One pass over the machine's members; resolves with how long to wait before the next. */
export function backupService(run: ServiceRun): { pass(): Promise<number> } {
  const now = run.now ?? (() => new Date());
  const states = new Map<string, MemberState>();
  const credentials = new Map<string, EtcdCredentials>();
  const creds = async (m: BackupServiceMember) => {
    // Read again after a restart of the service only: nodeup restarts it when the certificates change.
    const known = credentials.get(m.etcdCluster);
    if (known) return known;
    const read = (p: string) => readFile(hostPath(run.root, p), 'utf8');
    const c = { ca: await read(m.clientCa), certificate: await read(m.clientCert), key: await read(m.clientKey) };
    credentials.set(m.etcdCluster, c);
    return c;
  };

  async function one(m: BackupServiceMember): Promise<{ wait: number; summary: MachineEtcdSummary }> {
    const state = states.get(m.etcdCluster) ?? {};
    states.set(m.etcdCluster, state);
    const say = (level: 'info' | 'warn' | 'error', code: string, message: string) => run.events({ level, code, message: `etcd ${m.etcdCluster}: ${message}`, data: { etcdCluster: m.etcdCluster, member: m.member } });
    let wait = REPORT_MS;
    let schedule: Schedule | undefined;
    let nextDueAt: string | undefined;
    try {
      schedule = await readSchedule(run.store, run.config.cluster, m.etcdCluster, run.env);
      if (schedule.warning !== undefined && state.warned !== schedule.warning) say('warn', 'etcd.backup-interval', schedule.warning);
      state.warned = schedule.warning;
      const c = await creds(m);
      const since = (await readBootstrap(run.store, run.config.cluster, m.etcdCluster))?.at;
      const r = await backupTick({ cluster: run.config.cluster, etcdCluster: m.etcdCluster, selfUrl: m.clientUrl, holder: `${m.member}@${run.config.instanceId}`, creds: c, location: schedule.location, intervalMs: schedule.intervalMs, ...(since ? { since } : {}), retention: schedule.retention, now, events: run.events });
      if (r.kind === 'taken') {
        say('info', 'etcd.backup-scheduled', `scheduled backup ${r.manifest.id} taken by member ${m.member} (${r.manifest.size} bytes, revision ${r.manifest.revision})${r.pruned.length ? `; pruned ${r.pruned.join(', ')}` : ''}`);
        delete state.lastError;
      }
      if (r.kind === 'taken' || r.kind === 'not-due') {
        const due = r.kind === 'taken' ? dueAt(r.manifest.takenAt, schedule.intervalMs, now()) : new Date(r.dueAt);
        nextDueAt = due.toISOString();
        wait = due.getTime() - now().getTime();
      }
      wait = Math.min(wait, schedule.intervalMs);
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e);
      if (state.lastError?.message !== message) say('error', 'etcd.backup-failed', `scheduled backup failed on member ${m.member}: ${message}`);
      state.lastError = { message, at: now().toISOString() };
    }
    const summary = await report(m, state, schedule, nextDueAt);
    return { wait, summary };
  }

  async function report(m: BackupServiceMember, state: MemberState, schedule: Schedule | undefined, nextDueAt: string | undefined): Promise<MachineEtcdSummary> {
    const s = await memberStatus(m.clientUrl, await creds(m).catch(() => ({ ca: '', certificate: '', key: '' })));
    const newest = schedule === undefined ? undefined : await newestBackup(schedule.location).catch(() => undefined);
    const id = hexId(s.id);
    const leader = hexId(s.leader);
    const r: MemberBackupReport = {
      etcdCluster: m.etcdCluster,
      member: m.member,
      instanceId: run.config.instanceId,
      clientUrl: m.clientUrl,
      at: now().toISOString(),
      healthy: s.error === undefined && leader !== undefined,
      ...(s.error !== undefined ? { error: s.error } : leader === undefined ? { error: 'knows no leader' } : {}),
      ...(id ? { id } : {}),
      ...(leader ? { leader } : {}),
      ...(s.revision ? { revision: s.revision } : {}),
      backups: {
        interval: schedule?.interval ?? '?',
        ...(newest ? { lastBackup: newest.id, lastBackupAt: newest.takenAt } : {}),
        ...(nextDueAt ? { nextDueAt } : {}),
        ...(state.lastError ? { lastError: state.lastError.message, lastErrorAt: state.lastError.at } : {}),
        ...(schedule?.warning ? { warning: schedule.warning } : {}),
      },
    };
    const same = state.last !== undefined && JSON.stringify({ ...state.last, at: '', backups: { ...state.last.backups, nextDueAt: '' } }) === JSON.stringify({ ...r, at: '', backups: { ...r.backups, nextDueAt: '' } });
    if (!same || Date.parse(r.at) - Date.parse(state.last?.at ?? '') >= REPORT_MS) {
      await writeMemberReport(run.store, run.config.cluster, r);
      state.last = r;
    }
    return { member: m.member, healthy: r.healthy, ...(r.error ? { error: r.error } : {}), ...(newest ? { lastBackup: newest.id } : {}), ...(state.lastError ? { backupError: state.lastError.message } : {}) };
  }

  return {
    async pass() {
      const results = await Promise.all(run.config.members.map(one));
      const etcd = Object.fromEntries(run.config.members.map((m, i) => [m.etcdCluster, results[i]!.summary]));
      await mergeMachineStatus(run.store, run.config.cluster, run.config.instanceGroup, run.config.instanceId, etcd).catch((e: unknown) =>
        run.events({ level: 'warn', code: 'etcd.backup-report', message: `cannot write the machine's status report: ${e instanceof Error ? e.message : String(e)}` }),
      );
      return Math.max(250, Math.min(REPORT_MS, ...results.map((r) => r.wait)));
    },
  };
}
