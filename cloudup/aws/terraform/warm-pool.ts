/**
 * Warm pools and their lifecycle hooks in the terraform target. The provider has no resource of
 * a warm pool: it is the `warm_pool` block of its `aws_autoscaling_group` (as kops renders it), so
 * the WarmPool tasks are folded into their groups before rendering (`foldWarmPools`). A hook is
 * an `aws_autoscaling_lifecycle_hook` of its own, which Terraform changes in place; the group's
 * `initial_lifecycle_hook`, which the provider reads only when it makes the group, is not used.
 */

import type { Task, TaskId, Unresolved } from '../../../src/engine/task.js';
import { idOf, taskId } from '../../../src/engine/task.js';
import type { LifecycleHookFields } from '../tasks/lifecycle-hook.js';
import type { WarmPoolFields } from '../tasks/warm-pool.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export interface FoldedWarmPools {
  /** The tasks without the WarmPool ones; what depended on a warm pool depends on its group. */
  readonly tasks: readonly Task[];
  /** Each warm pool's fields, by its group's task name. */
  readonly warmPools: ReadonlyMap<string, Unresolved<WarmPoolFields>>;
}

export function foldWarmPools(tasks: readonly Task[]): FoldedWarmPools {
  const pools = tasks.filter((t) => t.kind === 'WarmPool');
  if (pools.length === 0) return { tasks, warmPools: new Map() };
  const moved = new Map<TaskId, TaskId>(pools.map((t) => [idOf(t), taskId('AutoScalingGroup', t.name)]));
  return {
    tasks: tasks.filter((t) => t.kind !== 'WarmPool').map((t) => (t.dependsOn.some((d) => moved.has(d)) ? { ...t, dependsOn: [...new Set(t.dependsOn.map((d) => moved.get(d) ?? d))] } : t)),
    warmPools: new Map(pools.map((t) => [t.name, fieldsOf<WarmPoolFields>(t)])),
  };
}

export const lifecycleHookRenderer: AwsTfRenderer = {
  kind: 'LifecycleHook',
  render(task, ctx) {
    const d = fieldsOf<LifecycleHookFields>(task);
    return resource(
      'aws_autoscaling_lifecycle_hook',
      {
        name: ctx.value(d.lifecycleHookName),
        autoscaling_group_name: ctx.value(d.autoScalingGroupName),
        lifecycle_transition: ctx.value(d.lifecycleTransition),
        heartbeat_timeout: ctx.value(d.heartbeatTimeout),
        default_result: ctx.value(d.defaultResult),
      },
      { id: 'id' },
    );
  },
};
