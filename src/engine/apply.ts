/**
 * The direct target: turns a plan into cloud calls, run by the executor in dependency order.
 * Applying a plan is the only thing in hoist that changes a cloud.
 */

import { diffFields, resolveFields } from './diff.js';
import type { RefResolver } from './diff.js';
import { execute } from './executor.js';
import type { ExecutionResult, ExecutorOptions, Step } from './executor.js';
import type { PlannedChange } from './plan.js';
import type { PlanResult } from './planner.js';
import type { LiveObject, ResolvedFields, TaskId, TaskKind } from './task.js';
import { comparableFields } from './task.js';

export interface ApplyInput<Ctx> {
  readonly result: PlanResult;
  readonly kinds: ReadonlyMap<string, TaskKind<Ctx>>;
  readonly ctx: Ctx;
  readonly executor?: ExecutorOptions;
  /**
   * Runs before each attempt of each change, e.g. the holder's check that it still holds the
   * cluster's lock. What it throws fails that change for good (it is never retried), so once it
   * refuses, every change that has not started fails at once and none of them touches the cloud.
   */
  readonly beforeChange?: (id: string) => Promise<void>;
}

export async function applyPlan<Ctx>(input: ApplyInput<Ctx>): Promise<ExecutionResult<unknown>> {
  const guard = input.beforeChange;
  if (guard === undefined) return execute(applySteps(input), input.executor);
  const refusals = new WeakSet<object>();
  const steps = applySteps(input).map((step): Step<unknown> => ({
    ...step,
    run: async (signal) => {
      try {
        await guard(step.id);
      } catch (e) {
        if (typeof e === 'object' && e !== null) refusals.add(e);
        throw e;
      }
      return step.run(signal);
    },
  }));
  const retryable = input.executor?.isRetryable ?? (() => false);
  return execute(steps, { ...input.executor, isRetryable: (e) => !(typeof e === 'object' && e !== null && refusals.has(e)) && retryable(e) });
}

/** One executor step per change that does something, with the dependencies the plan implies. */
export function applySteps<Ctx>(input: ApplyInput<Ctx>): Step<unknown>[] {
  const { result, kinds, ctx } = input;
  const outputs = new Map<TaskId, ResolvedFields>();
  for (const c of result.plan.changes) {
    const live = result.live.get(c.id);
    if (live && (c.action === 'noop' || c.action === 'update')) outputs.set(c.id, live.outputs);
  }
  const resolve: RefResolver = (r) => outputs.get(r.$ref)?.[r.output];
  const acting = result.plan.changes.filter((c) => c.action !== 'noop');
  const stepIds = new Set(acting.map((c) => c.id));

  return acting.map((change): Step<unknown> => {
    const kind = kinds.get(change.kind)!;
    const live = result.live.get(change.id);
    const task = result.tasks.get(change.id);
    const dependsOn = change.action === 'delete'
      ? deleteDependencies(change, acting, kinds)
      : change.dependsOn.filter((d) => stepIds.has(d));
    const label = `${change.action} ${change.id}`;
    const run = async (): Promise<LiveObject | undefined> => {
      switch (change.action) {
        case 'create': {
          const made = await kind.create(ctx, task!, resolveFields(task!.desired, resolve));
          outputs.set(change.id, made.outputs);
          return made;
        }
        case 'update': {
          const desired = resolveFields(task!.desired, resolve);
          const diff = diffFields(desired, comparableFields(kind, live!.fields, desired), resolve);
          const updated = diff.length === 0 ? live! : await kind.update(ctx, task!, live!, desired, diff);
          outputs.set(change.id, updated.outputs);
          return updated;
        }
        case 'replace': {
          await kind.delete(ctx, live!);
          const made = await kind.create(ctx, task!, resolveFields(task!.desired, resolve));
          outputs.set(change.id, made.outputs);
          return made;
        }
        case 'delete':
          await kind.delete(ctx, live!);
          return undefined;
        case 'noop':
          return live;
      }
    };
    return { id: change.id, label, dependsOn, run };
  });
}

/**
 * An object goes after everything that could still use it: every change to a kind that uses its
 * kind (a group that moves off a subnet first), and every deletion of such objects.
 */
function deleteDependencies<Ctx>(change: PlannedChange, acting: readonly PlannedChange[], kinds: ReadonlyMap<string, TaskKind<Ctx>>): TaskId[] {
  return acting
    .filter((other) => other.id !== change.id && (kinds.get(other.kind)?.uses ?? []).includes(change.kind))
    .map((other) => other.id);
}
