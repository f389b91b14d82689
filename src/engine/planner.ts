/**
 * Planning is pure: desired tasks plus the discovered live state give a plan. Nothing here
 * talks to a cloud; `discoverAll` (discover.ts) does, once per kind, before.
 */

import { ValidationError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import { diffFields } from './diff.js';
import type { RefResolver } from './diff.js';
import { topologicalOrder, validateGraph } from './graph.js';
import type { FieldChange, Plan, PlannedChange, PlanStats } from './plan.js';
import { PLAN_FORMAT_VERSION, summarize } from './plan.js';
import type { LiveObject, Task, TaskId, TaskKind } from './task.js';
import { comparableFields, idOf, isRef } from './task.js';

export type Discovered = ReadonlyMap<string, readonly LiveObject[]>;

export interface PlanInput<Ctx> {
  readonly cluster: string;
  readonly cloud: string;
  readonly specRevision: number | null;
  readonly tasks: readonly Task[];
  readonly kinds: ReadonlyMap<string, TaskKind<Ctx>>;
  readonly stats?: Omit<PlanStats, 'tasks'>;
  readonly now?: () => Date;
}

/** The plan and what applying it needs besides: the live object behind each change. */
export interface PlanResult {
  readonly plan: Plan;
  /** Live objects by change id (tasks that exist, and objects to delete). */
  readonly live: ReadonlyMap<TaskId, LiveObject>;
  readonly tasks: ReadonlyMap<TaskId, Task>;
}

export function buildPlan<Ctx>(input: PlanInput<Ctx>, discovered: Discovered): PlanResult {
  checkTasks(input);
  const tasks = new Map(input.tasks.map((t) => [idOf(t), t]));
  const byName = indexLive(discovered);
  const live = new Map<TaskId, LiveObject>();
  const changes = new Map<TaskId, PlannedChange>();
  const claimed = new Set<LiveObject>();

  // Outputs of a dependency are known only if it exists and stays, and its update keeps them.
  const resolve: RefResolver = (r) => {
    const change = changes.get(r.$ref);
    if (change?.action !== 'noop' && change?.action !== 'update') return undefined;
    if (change.action === 'update' && input.kinds.get(change.kind)?.updatedOutputs?.includes(r.output)) return undefined;
    return live.get(r.$ref)?.outputs[r.output];
  };

  const problems: FieldProblem[] = [];
  for (const task of topologicalOrder(input.tasks.map((t) => ({ ...t, id: idOf(t) })))) {
    const id = idOf(task);
    const base = { id, kind: task.kind, name: task.name, lifecycle: task.lifecycle, dependsOn: task.dependsOn };
    if (task.lifecycle === 'Ignore') {
      changes.set(id, { ...base, action: 'noop', changes: [] });
      continue;
    }
    const found = byName.get(task.kind)?.get(task.name)?.[0];
    if (!found) {
      if (task.lifecycle === 'ExistsAndValidates') {
        problems.push({ path: id, message: 'must exist already (it is not managed by hoist), but was not found', fix: 'create it, or fix the id in the spec' });
      }
      changes.set(id, { ...base, action: 'create', changes: creationFields(task) });
      continue;
    }
    claimed.add(found);
    live.set(id, found);
    const kind = input.kinds.get(task.kind)!;
    const diff = diffFields(task.desired, comparableFields(kind, found.fields, task.desired), resolve);
    if (diff.length === 0) {
      changes.set(id, { ...base, action: 'noop', liveId: found.id, changes: [] });
      continue;
    }
    if (task.lifecycle === 'ExistsAndValidates') {
      for (const c of diff) problems.push({ path: `${id}: ${c.path}`, value: c.before, message: `differs from the spec (${JSON.stringify(c.after)})`, fix: 'hoist does not change objects it does not own: change the object or the spec' });
      changes.set(id, { ...base, action: 'noop', liveId: found.id, changes: [] });
      continue;
    }
    const { replaceReason } = kind.checkChanges(found, diff);
    changes.set(id, replaceReason === undefined
      ? { ...base, action: 'update', liveId: found.id, changes: diff }
      : { ...base, action: 'replace', liveId: found.id, changes: diff, replaceReason });
  }
  if (problems.length > 0) throw new ValidationError('the live cloud', problems);

  for (const [kind, objects] of discovered) {
    for (const obj of objects) {
      if (claimed.has(obj) || obj.shared || obj.kept !== undefined) continue;
      const wanted = tasks.has(idOf({ kind, name: obj.name }));
      const id = deleteId(kind, obj, live);
      live.set(id, obj);
      changes.set(id, {
        id, kind, name: obj.name, action: 'delete', lifecycle: 'Sync', liveId: obj.id, dependsOn: [], changes: [],
        deleteReason: wanted ? `a duplicate of ${kind}/${obj.name}` : 'no longer in the spec',
      });
    }
  }

  const ordered = [...changes.values()].sort(byActionThenId);
  const plan: Plan = {
    format_version: PLAN_FORMAT_VERSION,
    cluster: input.cluster,
    cloud: input.cloud,
    specRevision: input.specRevision,
    createdAt: (input.now?.() ?? new Date()).toISOString(),
    changes: ordered,
    summary: summarize(ordered),
    stats: { apiCalls: input.stats?.apiCalls ?? 0, discoveryMs: input.stats?.discoveryMs ?? 0, tasks: input.tasks.length },
  };
  return { plan, live, tasks };
}

/** Objects to delete are keyed by kind and name, and by cloud id when the name is taken. */
function deleteId(kind: string, obj: LiveObject, taken: ReadonlyMap<TaskId, LiveObject>): TaskId {
  const plain = idOf({ kind, name: obj.name });
  return taken.has(plain) ? idOf({ kind, name: `${obj.name}#${obj.id}` }) : plain;
}

function creationFields(task: Task): FieldChange[] {
  return diffFields(task.desired, undefined, () => undefined);
}

/**
 * The order of `localeCompare` without its cost: a collator made once compares the same way
 * (the default locale and options) several times faster than a call that makes one each time.
 */
const byLocale = new Intl.Collator().compare;

function indexLive(discovered: Discovered): Map<string, Map<string, LiveObject[]>> {
  const index = new Map<string, Map<string, LiveObject[]>>();
  for (const [kind, objects] of discovered) {
    const names = new Map<string, LiveObject[]>();
    // Oldest-first by id gives a stable choice of which duplicate to keep.
    for (const o of [...objects].sort((a, b) => byLocale(a.id, b.id))) {
      const same = names.get(o.name);
      if (same) same.push(o);
      else names.set(o.name, [o]);
    }
    index.set(kind, names);
  }
  return index;
}

const ORDER = { create: 0, update: 1, replace: 2, delete: 3, noop: 4 } as const;
function byActionThenId(a: PlannedChange, b: PlannedChange): number {
  return ORDER[a.action] - ORDER[b.action] || byLocale(a.id, b.id);
}

/** Model builders' mistakes are internal errors: they name the task and what is wrong. */
function checkTasks<Ctx>(input: PlanInput<Ctx>): void {
  for (const t of input.tasks) {
    if (!input.kinds.has(t.kind)) throw new Error(`task ${idOf(t)}: no task kind ${t.kind} on ${input.cloud}`);
    for (const r of refsOf(t.desired)) {
      if (!t.dependsOn.includes(r)) throw new Error(`task ${idOf(t)} refers to ${r} without depending on it`);
    }
  }
  validateGraph(input.tasks.map((t) => ({ id: idOf(t), dependsOn: t.dependsOn })));
}

function refsOf(v: unknown, out: TaskId[] = []): TaskId[] {
  if (typeof v !== 'object' || v === null) return out;
  if (isRef(v)) out.push(v.$ref);
  else for (const x of Array.isArray(v) ? v : Object.values(v)) refsOf(x, out);
  return out;
}
