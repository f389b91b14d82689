/**
 * What each control-plane machine's etcd backup service reports, so that nobody has to log in
 * to learn whether backups run: per member, its own key `<cluster>/status/etcd/<etcd>/reports/<member>.json`
 * (its health as the member itself answers it, the last backup, the next one due, the last
 * failure), written when it changes and at least every REPORT_MS; and the same in a short form
 * in the machine's status report (`etcd` beside nodeup's fields). `validate cluster` reads the
 * member reports where it cannot reach the members itself.
 */

import type { ObjectStore } from '../../state-store/object-store.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import { instanceStatusKey } from '../config/keys.js';
import { etcdStatusPrefix } from './registry.js';

/** How often a member's report is written again when nothing changed: what tells a live report from a stale one. */
export const REPORT_MS = 10_000;

export interface MemberBackupReport {
  readonly etcdCluster: string;
  readonly member: string;
  readonly instanceId: string;
  readonly clientUrl: string;
  readonly at: string;
  /** The member answers its own status over TLS. */
  readonly healthy: boolean;
  readonly error?: string;
  /** Hex ids, as `hoist etcd status` shows them. */
  readonly id?: string;
  readonly leader?: string;
  readonly revision?: string;
  readonly backups: {
    readonly interval: string;
    readonly lastBackup?: string;
    readonly lastBackupAt?: string;
    /** Only on the leader: the others take none. */
    readonly nextDueAt?: string;
    readonly lastError?: string;
    readonly lastErrorAt?: string;
    readonly warning?: string;
  };
}

export const reportsPrefix = (cluster: string, etcd: string): string => `${etcdStatusPrefix(cluster, etcd)}reports/`;
export const reportKey = (cluster: string, etcd: string, member: string): string => `${reportsPrefix(cluster, etcd)}${member}.json`;

export const hexId = (decimal: string | undefined): string | undefined => (decimal === undefined || decimal === '0' ? undefined : BigInt(decimal).toString(16));

export async function writeMemberReport(store: ObjectStore, cluster: string, r: MemberBackupReport): Promise<void> {
  await store.put(reportKey(cluster, r.etcdCluster, r.member), `${JSON.stringify(r, null, 2)}\n`);
}

/** Every member's report of one etcd cluster, by member name; unreadable ones are left out. */
export async function readMemberReports(store: ObjectStore, cluster: string, etcd: string): Promise<Map<string, MemberBackupReport>> {
  const keys = (await store.list(reportsPrefix(cluster, etcd))).filter((k) => k.endsWith('.json'));
  const found = await Promise.all(
    keys.map(async (k) => {
      const o = await store.get(k);
      if (o === undefined) return undefined;
      try {
        return JSON.parse(Buffer.from(o.body).toString('utf8')) as MemberBackupReport;
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(found.filter((r): r is MemberBackupReport => r !== undefined && typeof r.member === 'string').map((r) => [r.member, r]));
}

/** The short form in the machine's status report. */
export interface MachineEtcdSummary {
  readonly member: string;
  readonly healthy: boolean;
  readonly error?: string;
  readonly lastBackup?: string;
  readonly backupError?: string;
}

/**
 * Sets `etcd` in the machine's status report, keeping what nodeup wrote there: a conditional
 * write of the object as read, tried again when nodeup wrote in between. Nothing is written
 * before nodeup's first report (the machine's group and phase come from nodeup).
 */
export async function mergeMachineStatus(store: ObjectStore, cluster: string, instanceGroup: string, instanceId: string, etcd: Readonly<Record<string, MachineEtcdSummary>>): Promise<void> {
  const key = instanceStatusKey(cluster, instanceGroup, instanceId);
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await store.get(key);
    if (found === undefined) return;
    let status: Record<string, unknown>;
    try {
      status = JSON.parse(Buffer.from(found.body).toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    // Read at every pass, written only when it differs: nodeup's own report (at boot) drops it.
    if (JSON.stringify(status.etcd) === JSON.stringify(etcd)) return;
    try {
      await store.put(key, `${JSON.stringify({ ...status, etcd }, null, 2)}\n`, { ifMatch: found.etag });
      return;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
  }
}
