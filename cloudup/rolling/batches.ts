/**
 * How a group is rolled: in which order groups go, and how many instances each batch replaces.
 * Pure, so that the rules are tested on their own.
 */

import type { ResolvedRollingUpdate } from '../../src/api/index.js';
import { parsePercent } from '../../src/api/index.js';
import type { IntOrPercent } from '../../src/api/index.js';
import type { RollingGroup } from './types.js';

export interface BatchSize {
  /** Instances detached at once; their replacements come up before they go. */
  readonly surge: number;
  /** Instances terminated in place at once; the group is short of them until replaced. */
  readonly unavailable: number;
}

/**
 * Bastions, then the control plane, then API-server-only groups, then nodes; by name within a
 * role. An APIServer machine's API server must not be newer than the control plane's (the
 * version-skew policy), nor older than the kubelets it serves.
 */
export function rollOrder(groups: readonly RollingGroup[]): RollingGroup[] {
  const rank = { Bastion: 0, ControlPlane: 1, APIServer: 2, Node: 3 } as const;
  return [...groups].sort((a, b) => rank[a.role] - rank[b.role] || a.name.localeCompare(b.name));
}

/**
 * Like kops and Kubernetes deployments: a surge percentage rounds up, an unavailable one rounds
 * down. The control plane never surges and goes one machine at a time, so etcd keeps quorum; nor
 * does a group that cannot place its surge. An APIServer group holds no etcd member, so it is
 * batched as nodes are: a surge keeps its API capacity while its machines are replaced. A batch replaces at least one instance, or the roll
 * would never end.
 */
export function batchSize(group: RollingGroup, settings: ResolvedRollingUpdate, cloudCanSurge: boolean): BatchSize {
  if (group.role === 'ControlPlane') return { surge: 0, unavailable: 1 };
  const target = Math.max(group.desired, 1);
  const surge = cloudCanSurge && group.surges !== false ? count(settings.maxSurge, target, Math.ceil) : 0;
  const unavailable = count(settings.maxUnavailable, target, Math.floor);
  return surge === 0 && unavailable === 0 ? { surge: 0, unavailable: 1 } : { surge, unavailable };
}

function count(v: IntOrPercent, target: number, round: (x: number) => number): number {
  if (typeof v === 'number') return v;
  const percent = parsePercent(v) ?? 0;
  return round((target * percent) / 100);
}
