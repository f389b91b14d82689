/**
 * What the AWS task kinds share: discovery from the plan's listings, fields that cannot change in
 * place, and the error contract of the engine.
 *
 * - Every change drops the plan's listings, so what is read after it is fresh.
 * - A create that failed may still have happened (a lost response, a 5xx): its next attempt
 *   first looks for the object by its name tag and adopts it, so retries never duplicate.
 * - "In use" errors become NotReadyError (retried with backoff); deleting something that is gone
 *   succeeds.
 */

import { diffFields } from '../../../src/engine/diff.js';
import type { FieldChange } from '../../../src/engine/plan.js';
import type { Fields, LiveObject, ReplaceCheck, ResolvedFields, Task, TaskKind } from '../../../src/engine/task.js';
import { changesTouch, idOf } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { AwsContext } from '../context.js';
import { isNotFound, toEngineError } from '../errors.js';

/** `D`: the kind's desired fields, as its file declares them (resolved: no Refs left). */
export interface AwsKindSpec<D extends object = ResolvedFields> {
  readonly kind: string;
  readonly uses: readonly string[];
  readonly updatedOutputs?: readonly string[];
  /** Top-level fields that cannot change in place: a change replaces the object. */
  readonly immutable: readonly string[];
  /**
   * The live objects of the kind, from the plan's listings. `desired`: the plan's tasks of the
   * kind when known, which may spare reading what they show unchanged (TaskKind.discover).
   */
  list(ctx: AwsContext, desired?: readonly Task[]): Promise<readonly LiveObject[]>;
  /** Whether `list` reads the plan's tasks: it then starts only once they are built (TaskKind.discoverReadsTasks). */
  readonly listReadsTasks?: boolean;
  /** What `list` reads that the tasks do not change, started before they are built (TaskKind.prefetch). */
  prefetch?(ctx: AwsContext): void;
  create(ctx: AwsContext, task: Task, desired: D): Promise<LiveObject>;
  update?(ctx: AwsContext, task: Task, live: LiveObject, desired: D, changes: readonly FieldChange[]): Promise<LiveObject>;
  delete(ctx: AwsContext, live: LiveObject): Promise<void>;
  /** The live fields as they compare with a task's (TaskKind.comparable); absent: as listed. */
  comparable?(live: ResolvedFields, desired: Fields): ResolvedFields;
  /** Finds the object a failed create may have made; default: by name among `list`. */
  find?(ctx: AwsContext, task: Task, desired: D): Promise<LiveObject | undefined>;
}

/** Task ids whose create failed once in this session: their next attempt looks first. */
const triedBefore = new WeakMap<AwsContext, Set<string>>();

export function awsKind<D extends object = ResolvedFields>(spec: AwsKindSpec<D>): TaskKind<AwsContext> {
  const find = async (ctx: AwsContext, task: Task, desired: D) =>
    spec.find ? spec.find(ctx, task, desired) : (await spec.list(ctx)).find((o) => o.name === task.name && !o.shared);
  // The engine hands every kind plain resolved fields; the task's constructor typed them as D.
  const typed = (desired: ResolvedFields) => desired as unknown as D;
  return {
    kind: spec.kind,
    uses: spec.uses,
    ...(spec.updatedOutputs ? { updatedOutputs: spec.updatedOutputs } : {}),
    ...(spec.comparable ? { comparable: spec.comparable } : {}),
    discover: (ctx, desired) => spec.list(ctx, desired),
    ...(spec.listReadsTasks === true ? { discoverReadsTasks: true } : {}),
    ...(spec.prefetch ? { prefetch: spec.prefetch } : {}),
    checkChanges(_live, changes): ReplaceCheck {
      const fixed = changesTouch(changes, spec.immutable);
      return fixed ? { replaceReason: `${fixed.path} cannot change in place` } : {};
    },
    async create(ctx, task, resolved) {
      const desired = typed(resolved);
      ctx.listings.clear();
      const tried = triedBefore.get(ctx) ?? new Set<string>();
      triedBefore.set(ctx, tried);
      const id = idOf(task);
      try {
        if (tried.has(id)) {
          const existing = await find(ctx, task, desired);
          if (existing) {
            // The earlier attempt made it, but maybe not all of it: finish the job.
            const changes = diffFields(resolved, existing.fields, () => undefined);
            return changes.length > 0 && spec.update ? await spec.update(ctx, task, existing, desired, changes) : existing;
          }
        }
        tried.add(id);
        const made = await spec.create(ctx, task, desired);
        tried.delete(id);
        return made;
      } catch (e) {
        throw toEngineError(e, `${id}`);
      } finally {
        ctx.listings.clear();
      }
    },
    async update(ctx, task, live, desired, changes) {
      ctx.listings.clear();
      try {
        if (!spec.update) throw new HoistError('INTERNAL', `${spec.kind} cannot be updated in place: its checkChanges should have asked for a replace`);
        return await spec.update(ctx, task, live, typed(desired), changes);
      } catch (e) {
        throw toEngineError(e, idOf(task));
      } finally {
        ctx.listings.clear();
      }
    },
    async delete(ctx, live) {
      ctx.listings.clear();
      try {
        await spec.delete(ctx, live);
      } catch (e) {
        if (isNotFound(e)) return;
        throw toEngineError(e, `${spec.kind}/${live.name} (${live.id})`);
      } finally {
        ctx.listings.clear();
      }
    },
  };
}

/**
 * The fields of a live object of the kind, typed as the kind's desired fields: the kind's own
 * listing writes them in that shape (a field it could not read may be empty).
 */
export function liveFields<D extends object>(live: LiveObject): D {
  return live.fields as unknown as D;
}

/** The top-level fields a change touches. */
export function changedFields(changes: readonly FieldChange[]): Set<string> {
  return new Set(changes.map((c) => c.path.split(/[.[]/)[0]!));
}
