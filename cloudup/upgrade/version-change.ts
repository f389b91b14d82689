/**
 * Which version change a reconcile makes, and whether it may: from the applied spec (or, for a
 * rerun of an interrupted reconcile toward the same versions, from its record) to the stored
 * spec, through the version guards. Refusals throw before anything is written.
 */

import { ValidationError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { appliedClusterSpec } from './applied-spec.js';
import { checkVersionChange } from './guards.js';
import type { ClusterSpecLike } from './guards.js';
import { liveDirection } from './live-kubelets.js';
import type { Direction } from './order.js';
import type { ReconcileRecord } from './record.js';
import { continues, readReconcileRecord, versionsOf } from './record.js';

export interface ReconcileChange {
  readonly from: ClusterSpecLike;
  readonly to: ClusterSpecLike;
  readonly direction: Direction;
  /** The interrupted reconcile this one continues. */
  readonly resumes?: ReconcileRecord;
}

export interface ReconcileChangeOptions {
  readonly allowVersionSkew: boolean;
  readonly events: EventSink;
  /** The Ready nodes' kubelet versions, when the cluster's API is at hand (./live-kubelets.ts). */
  readonly kubelets?: () => Promise<readonly string[]>;
}

export async function reconcileChange(store: ObjectStore, cluster: string, spec: ClusterSpecLike, opts: ReconcileChangeOptions): Promise<ReconcileChange> {
  const to = versionsOf(spec);
  const record = await readReconcileRecord(store, cluster);
  const resumes = continues(record, to) ? record : undefined;
  // A cluster never applied has nothing to roll from: its machines are made at `to`.
  const from = resumes?.from ?? versionsOf((await appliedClusterSpec(store, cluster)) ?? to);
  const change = checkVersionChange(from, to, { allowVersionSkew: opts.allowVersionSkew });
  if (change.problems.length > 0) throw new ValidationError(`the version change of ${cluster} (${from.kubernetesVersion} to ${to.kubernetesVersion})`, change.problems);
  for (const w of change.warnings) opts.events({ level: 'warn', code: 'reconcile.version-skew', message: w });
  // A rerun keeps the direction it started with: the applied spec is already the new one.
  if (resumes) return { from, to, direction: resumes.direction, resumes };
  if (change.direction !== 'none' || opts.kubelets === undefined) return { from, to, direction: change.direction };
  const kubelets = await opts.kubelets();
  const direction = liveDirection(kubelets, to.kubernetesVersion);
  if (direction !== 'none') {
    opts.events({ level: 'info', code: 'reconcile.live-direction', message: `the spec applied is already ${to.kubernetesVersion}, but Ready nodes run ${[...new Set(kubelets)].sort().join(', ')}: rolling in the ${direction}'s order`, data: { kubelets, direction } });
  }
  return { from, to, direction };
}
