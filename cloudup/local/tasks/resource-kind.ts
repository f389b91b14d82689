/**
 * What the local cloud's task kinds share: discovery by the cluster's tags (one listing per
 * kind), creation with those tags, PATCH for what may change in place, and cloud errors mapped
 * to the engine's ("still in use" is not ready yet, "not found" on delete is done).
 */

import type { CreateBodies, ResourceOf, ResourceType, UpdateBodies } from '../api-types.js';
import { LocalCloudError } from '../client.js';
import type { LocalContext } from '../context.js';
import { NotReadyError } from '../../../src/engine/executor.js';
import type { FieldChange } from '../../../src/engine/plan.js';
import type { LiveObject, ReplaceCheck, ResolvedFields, Task, TaskKind } from '../../../src/engine/task.js';
import { changesTouch } from '../../../src/engine/task.js';

/** `D`: the kind's desired fields, as its file declares them (resolved: no Refs left). */
export interface LocalKindSpec<T extends ResourceType, D extends object> {
  readonly kind: string;
  readonly type: T;
  readonly uses: readonly string[];
  /**
   * The fields of a live resource that tasks may desire, canonicalised like the model writes
   * them; undefined when the cloud holds none of them yet (every desired field then differs).
   */
  fields(resource: ResourceOf[T]): D | undefined;
  outputs?(resource: ResourceOf[T]): ResolvedFields;
  /** The create body from the task's resolved fields (tags and name are added). */
  body(desired: D, ctx: LocalContext, task: Task): Omit<CreateBodies[T], 'name' | 'tags'>;
  /** Tags of the object besides the cluster's own (which it always carries). */
  tags?(desired: D): Readonly<Record<string, string>>;
  /** Why an object is kept when it leaves the spec (see LiveObject.kept); undefined: it is deleted. */
  kept?(resource: ResourceOf[T]): string | undefined;
  /** Fields that cannot change in place. */
  readonly immutable: readonly (keyof D & string)[];
  readonly updatedOutputs?: readonly string[];
  /** The PATCH for the changed fields; default: the desired values of the changed top-level fields. */
  patch?(desired: D, live: ResourceOf[T], changes: readonly FieldChange[]): Partial<UpdateBodies[T]>;
  /** Replaces PATCH for kinds whose updates are something else (a new template version). */
  update?(ctx: LocalContext, live: LiveObject, desired: D): Promise<ResourceOf[T]>;
}

export function localKind<T extends ResourceType, D extends object>(spec: LocalKindSpec<T, D>): TaskKind<LocalContext> {
  // The engine hands every kind plain resolved fields: the task's constructor typed them as D on
  // the way in, and `fields` made the live ones as D; these two casts are the only crossing.
  const typed = (desired: ResolvedFields): D => desired as unknown as D;
  const toLive = (r: ResourceOf[T], shared = false, teardown = false): LiveObject => {
    const kept = teardown ? undefined : spec.kept?.(r);
    return {
      id: r.id,
      name: r.name,
      fields: (spec.fields(r) ?? {}) as unknown as ResolvedFields,
      outputs: { id: r.id, ...spec.outputs?.(r) },
      ...(shared ? { shared: true } : {}),
      ...(kept === undefined ? {} : { kept }),
    };
  };
  return {
    kind: spec.kind,
    uses: spec.uses,
    ...(spec.updatedOutputs ? { updatedOutputs: spec.updatedOutputs } : {}),
    async discover(ctx) {
      const owned = await ctx.client.list(spec.type, { tags: ctx.tags });
      const sharedIds = ctx.shared.get(spec.kind) ?? [];
      const shared = await Promise.all(sharedIds.map((id) => ctx.client.get(spec.type, id)));
      return [...owned.map((r) => toLive(r, false, ctx.teardown === true)), ...shared.filter((r) => r !== undefined).map((r) => toLive(r, true))];
    },
    checkChanges(_live, changes): ReplaceCheck {
      const fixed = changesTouch(changes, spec.immutable);
      return fixed ? { replaceReason: `${fixed.path} cannot change in place` } : {};
    },
    async create(ctx, task, desired) {
      const body = { ...spec.body(typed(desired), ctx, task), name: task.name, tags: { ...spec.tags?.(typed(desired)), ...ctx.tags } } as CreateBodies[T];
      try {
        return toLive(await ctx.client.create(spec.type, body));
      } catch (e) {
        // A create that reached the cloud before a crash or a lost response: adopt it.
        if (e instanceof LocalCloudError && e.apiCode === 'AlreadyExists') {
          const [existing] = (await ctx.client.list(spec.type, { tags: ctx.tags })).filter((r) => r.name === task.name);
          if (existing) return toLive(existing);
        }
        throw cloudError(e);
      }
    },
    async update(ctx, _task, live, resolved, changes) {
      const desired = typed(resolved);
      try {
        if (spec.update) return toLive(await spec.update(ctx, live, desired));
        const current = await ctx.client.get(spec.type, live.id);
        if (!current) throw new NotReadyError(`${spec.kind}/${live.name} (${live.id}) vanished while being updated`);
        const patch = spec.patch?.(desired, current, changes) ?? changedFields<D, UpdateBodies[T]>(desired, changes);
        return toLive(await ctx.client.update(spec.type, live.id, patch));
      } catch (e) {
        throw cloudError(e);
      }
    },
    async delete(ctx, live) {
      try {
        await ctx.client.delete(spec.type, live.id);
      } catch (e) {
        if (e instanceof LocalCloudError && e.apiCode === 'NotFound') return;
        throw cloudError(e);
      }
    },
  };
}

/**
 * The desired values of the top-level fields that changed: what PATCH takes. Only fields that
 * may change in place reach here (a change of any other is a replace).
 */
export function changedFields<D extends object, B>(desired: D, changes: readonly FieldChange[]): Partial<B> {
  const keys = new Set(changes.map((c) => c.path.split(/[.[]/)[0]!));
  return Object.fromEntries(Object.entries(desired).filter(([k]) => keys.has(k))) as Partial<B>;
}

/** "Still in use" clears once the users are gone: the executor retries it with backoff. */
function cloudError(e: unknown): unknown {
  if (e instanceof LocalCloudError && (e.apiCode === 'DependencyViolation' || e.apiCode === 'Conflict')) {
    return new NotReadyError(e.message, { cause: e });
  }
  return e;
}
