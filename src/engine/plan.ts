/**
 * The plan: plain data that says what applying the spec would do to the cloud. It can be
 * printed, saved, compared and applied later. Actions form a closed union.
 */

import type { Lifecycle, Ref, TaskId, Value } from './task.js';

export const ACTIONS = ['create', 'update', 'replace', 'delete', 'noop'] as const;
export type Action = (typeof ACTIONS)[number];

/** The version of the JSON plan format (docs/plan-format.md). */
export const PLAN_FORMAT_VERSION = '1.0';

/**
 * One field that differs. `after` is a Ref when its value is only known once the object it
 * points at has been created or replaced ("known after apply").
 */
export interface FieldChange {
  /** e.g. `maxSize`, `listeners[0].port`, `instanceTags.hoist.dev/role`. */
  readonly path: string;
  readonly before?: Value;
  readonly after?: Value | Ref;
}

export interface PlannedChange {
  readonly id: TaskId;
  readonly kind: string;
  readonly name: string;
  readonly action: Action;
  readonly lifecycle: Lifecycle;
  /** The cloud id of the live object, when there is one. */
  readonly liveId?: string;
  readonly dependsOn: readonly TaskId[];
  /** create: every desired field; update and replace: the fields that differ; else none. */
  readonly changes: readonly FieldChange[];
  readonly replaceReason?: string;
  /** delete: why (no task wants it any more, or a duplicate of a live object). */
  readonly deleteReason?: string;
}

export type Summary = Readonly<Record<Action, number>>;

export interface Plan {
  readonly format_version: string;
  readonly cluster: string;
  readonly cloud: string;
  /** The spec's history revision the plan was made from (null when it has no history). */
  readonly specRevision: number | null;
  readonly createdAt: string;
  readonly changes: readonly PlannedChange[];
  readonly summary: Summary;
  readonly stats: PlanStats;
}

export interface PlanStats {
  /** Cloud API calls made to discover the live state. */
  readonly apiCalls: number;
  readonly discoveryMs: number;
  readonly tasks: number;
}

const IMPACT: Readonly<Record<Action, number>> = { noop: 0, create: 1, update: 2, replace: 3, delete: 4 };

/** The most disruptive action of a plan: what a reviewer should look at first. */
export function worstImpact(actions: Iterable<Action>): Action {
  let worst: Action = 'noop';
  for (const a of actions) if (IMPACT[a] > IMPACT[worst]) worst = a;
  return worst;
}

export function summarize(changes: readonly Pick<PlannedChange, 'action'>[]): Summary {
  const summary = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) summary[c.action]++;
  return summary;
}

export function hasChanges(plan: Pick<Plan, 'summary'>): boolean {
  return ACTIONS.some((a) => a !== 'noop' && plan.summary[a] > 0);
}
