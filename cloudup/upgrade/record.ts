/**
 * The record of a reconcile in the state store (`<cluster>/status/reconcile.json`): the version
 * it goes from and to, its direction, and which phases are done. Written before the cloud
 * changes, because the apply overwrites the applied spec the direction is read from: a rerun
 * after a kill keeps the direction (a downgrade's rerun still rolls nodes first). The rolling
 * update's own record (../rolling/progress.ts) says which machines are replaced.
 */

import type { ObjectStore } from '../../state-store/object-store.js';
import type { ClusterSpecLike } from './guards.js';
import type { Direction, PhaseName } from './order.js';

export interface ReconcileRecord {
  readonly from: ClusterSpecLike;
  readonly to: ClusterSpecLike;
  readonly direction: Direction;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** The cloud changes were applied. */
  readonly applied: boolean;
  readonly phasesDone: readonly PhaseName[];
  readonly finishedAt?: string;
}

export const reconcileRecordKey = (cluster: string): string => `${cluster}/status/reconcile.json`;

export async function readReconcileRecord(store: ObjectStore, cluster: string): Promise<ReconcileRecord | undefined> {
  const found = await store.get(reconcileRecordKey(cluster));
  if (!found) return undefined;
  try {
    return JSON.parse(Buffer.from(found.body).toString('utf8')) as ReconcileRecord;
  } catch {
    // An unreadable record is no record: the reconcile starts over from the applied spec.
    return undefined;
  }
}

export async function writeReconcileRecord(store: ObjectStore, cluster: string, record: ReconcileRecord): Promise<ReconcileRecord> {
  const saved = { ...record, updatedAt: new Date().toISOString() };
  await store.put(reconcileRecordKey(cluster), `${JSON.stringify(saved, null, 2)}\n`);
  return saved;
}

/** An unfinished reconcile toward the same versions is continued; anything else starts over. */
export function continues(record: ReconcileRecord | undefined, to: ClusterSpecLike): record is ReconcileRecord {
  return record !== undefined && record.finishedAt === undefined && sameVersions(record.to, to);
}

export function sameVersions(a: ClusterSpecLike, b: ClusterSpecLike): boolean {
  const etcd = (s: ClusterSpecLike) => JSON.stringify((s.etcdClusters ?? []).map((e) => [e.name, e.version ?? '']));
  return a.kubernetesVersion === b.kubernetesVersion && etcd(a) === etcd(b);
}

/** The parts of a spec the record keeps: the versions, nothing else. */
export function versionsOf(spec: ClusterSpecLike): ClusterSpecLike {
  return { kubernetesVersion: spec.kubernetesVersion, etcdClusters: (spec.etcdClusters ?? []).map((e) => ({ name: e.name, ...(e.version === undefined ? {} : { version: e.version }) })) };
}
