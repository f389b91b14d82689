/**
 * The task contract of hoist's engine.
 *
 * A Task is one cloud (or node) object the cluster should have: a kind, a name unique within
 * its kind, a lifecycle, explicit dependencies, and the fields it should have (`desired`).
 * Tasks are plain data made by model builders. What a kind of object *does* — find the live
 * objects, say which changes force a replace, create, update and delete them — lives in its
 * TaskKind, one per resource kind and cloud (`cloudup/<cloud>/tasks/<kind>.ts`).
 *
 * Contracts every TaskKind keeps:
 * - `discover` lists every live object of its kind that the cluster owns, in as few API calls
 *   as the cloud allows (one listing with the ownership-tag filter, paged). It never writes.
 * - `create` either leaves a complete object (tagged as owned, so `discover` finds it) or
 *   nothing behind: a failed create is retried or undone, never half-made and untagged.
 * - A failed `delete` means the object still exists; deleting an absent object succeeds.
 * - `update` changes only the fields it is given; fields it cannot change in place are
 *   reported by `checkChanges` so that the planner replaces the object instead.
 */

import type { FieldChange } from './plan.js';

export const LIFECYCLES = ['Sync', 'Ignore', 'ExistsAndValidates', 'WarnIfInsufficientAccess'] as const;
/**
 * - Sync: make the live object match (create, update, replace; delete when the task goes away).
 * - Ignore: leave it alone; it is not even looked for.
 * - ExistsAndValidates: it must exist (someone else manages it); a difference is an error.
 * - WarnIfInsufficientAccess: like Sync, but a failure for lack of permissions is a warning.
 */
export type Lifecycle = (typeof LIFECYCLES)[number];

/** `<Kind>/<name>`, e.g. `Network/demo.k8s.local`. */
export type TaskId = `${string}/${string}`;

export function taskId(kind: string, name: string): TaskId {
  return `${kind}/${name}`;
}

/** A value another task produces when it exists, e.g. the id of a network; resolved before use. */
export interface Ref {
  readonly $ref: TaskId;
  readonly output: string;
}

export type Value = string | number | boolean | null | Ref | readonly Value[] | { readonly [key: string]: Value };
export type Fields = { readonly [key: string]: Value };

/** A Value with every Ref replaced by what it points at. */
export type Resolved = string | number | boolean | null | readonly Resolved[] | { readonly [key: string]: Resolved };
export type ResolvedFields = { readonly [key: string]: Resolved };

export function isRef(v: unknown): v is Ref {
  return typeof v === 'object' && v !== null && '$ref' in v && 'output' in v;
}

export function ref(target: TaskId, output = 'id'): Ref {
  return { $ref: target, output };
}

export interface Task {
  readonly kind: string;
  readonly name: string;
  readonly lifecycle: Lifecycle;
  /** Every task whose object must exist first. Each Ref in `desired` must point at one of these. */
  readonly dependsOn: readonly TaskId[];
  /** The fields to have. A field that is absent means "don't care"; live values are not compared. */
  readonly desired: Fields;
}

/**
 * The desired fields of a kind as a builder gives them: each value may instead come from another
 * task (a Ref), resolved before the kind sees it.
 */
export type Unresolved<T> = T extends string | number | boolean | null
  ? T | Ref
  : T extends readonly (infer U)[]
    ? readonly Unresolved<U>[]
    : { readonly [K in keyof T]: Unresolved<T[K]> };

export interface TaskOptions {
  /** Default: Sync. */
  readonly lifecycle?: Lifecycle;
  readonly dependsOn?: readonly TaskId[];
}

/** Builds the tasks of one kind from its typed desired fields; a misspelt field fails to compile. */
export type TaskConstructor<D> = (name: string, desired: Unresolved<D>, options?: TaskOptions) => Task;

/**
 * The constructor of a kind's tasks. Each kind's file declares its desired fields (`D`) and
 * exports `const xTask = taskConstructor<XFields>('X')`; builders make tasks only through it.
 */
export function taskConstructor<D extends object>(kind: string): TaskConstructor<D> {
  return (name, desired, options = {}) => ({
    kind,
    name,
    lifecycle: options.lifecycle ?? 'Sync',
    dependsOn: options.dependsOn ?? [],
    // Unresolved<D> is Fields with names: the engine handles it as plain data.
    desired: desired as unknown as Fields,
  });
}

export function idOf(task: Pick<Task, 'kind' | 'name'>): TaskId {
  return taskId(task.kind, task.name);
}

/** A live object as a TaskKind sees it, canonicalised so that it compares with `desired`. */
export interface LiveObject {
  /** The cloud's id (`net-1a2b`, `vpc-…`). */
  readonly id: string;
  /** The name that matches it to its task. */
  readonly name: string;
  /** Live values of the fields tasks of this kind may desire, in the same shape. */
  readonly fields: ResolvedFields;
  /** What other tasks may refer to (`id` at least). */
  readonly outputs: ResolvedFields;
  /** Not owned by the cluster (an existing network given by id): never deleted. */
  readonly shared?: boolean;
  /**
   * Owned, but kept when it leaves the spec (an etcd member's volume holds data): why. Only
   * tearing the cluster down deletes it.
   */
  readonly kept?: string;
}

export interface ReplaceCheck {
  /** Why the object must be replaced rather than updated, if it must. */
  readonly replaceReason?: string;
}

export interface TaskKind<Ctx> {
  readonly kind: string;
  /** Kinds whose objects this kind's objects use: they are created before and deleted after. */
  readonly uses: readonly string[];
  /** Outputs an update gives new values (a template's latest version): unknown until applied. */
  readonly updatedOutputs?: readonly string[];
  /**
   * `desired`, when the plan's tasks are known: those of this kind. A kind may read less of
   * what they prove unchanged (a launch template whose tag shows that its latest version holds
   * what its task wants). Absent: everything is read. Only a kind that says `discoverReadsTasks`
   * is given them.
   */
  discover(ctx: Ctx, desired?: readonly Task[]): Promise<readonly LiveObject[]>;
  /**
   * Whether `discover` reads the plan's tasks. A kind that does not is discovered as soon as the
   * cloud is open, while the plan's tasks are still being built (src/engine/discover.ts).
   */
  readonly discoverReadsTasks?: boolean;
  /**
   * For a kind that reads the plan's tasks: starts the listings its `discover` will read that do
   * not depend on them, so that they are under way while the tasks are built. Its failures are
   * `discover`'s to report.
   */
  prefetch?(ctx: Ctx): void;
  /** Decides whether field changes can be made in place. Pure. */
  checkChanges(live: LiveObject, changes: readonly FieldChange[]): ReplaceCheck;
  create(ctx: Ctx, task: Task, desired: ResolvedFields): Promise<LiveObject>;
  update(ctx: Ctx, task: Task, live: LiveObject, desired: ResolvedFields, changes: readonly FieldChange[]): Promise<LiveObject>;
  delete(ctx: Ctx, live: LiveObject): Promise<void>;
  /**
   * The live fields as they compare with a task's desired ones (references maybe unresolved),
   * where the cloud keeps no copy of what the task asked for: a managed group's size inside the
   * task's bounds counts as those bounds. Pure; absent: the live fields as discovered.
   */
  comparable?(live: ResolvedFields, desired: Fields): ResolvedFields;
}

/** What a task's desired fields are diffed against: the kind's `comparable` view of the live fields. */
export function comparableFields(kind: Pick<TaskKind<unknown>, 'comparable'> | undefined, live: ResolvedFields, desired: Fields): ResolvedFields {
  return kind?.comparable ? kind.comparable(live, desired) : live;
}

/** The fields in `fields` that a FieldChange path starts with, for simple checkChanges rules. */
export function changesTouch(changes: readonly FieldChange[], fields: readonly string[]): FieldChange | undefined {
  return changes.find((c) => fields.some((f) => c.path === f || c.path.startsWith(`${f}.`) || c.path.startsWith(`${f}[`)));
}
