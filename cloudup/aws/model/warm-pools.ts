/**
 * An instance group's warm pool (kops's warmPool, resolved by src/api/warm-pool.ts) and, with
 * enableLifecycleHook, kops's lifecycle hook that nodeup completes: both named as the group, and
 * neither made for a group without a warm pool.
 */

import type { WarmPoolSettings } from '../../../src/api/warm-pool.js';
import { WARM_POOL_HOOK, WARM_POOL_HOOK_TIMEOUT } from '../../../src/api/warm-pool.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf } from '../../../src/engine/task.js';
import { lifecycleHookTask } from '../tasks/lifecycle-hook.js';
import { warmPoolTask } from '../tasks/warm-pool.js';

export function warmPoolTasks(groupName: string, pool: WarmPoolSettings, group: TaskId): Task[] {
  const warm = warmPoolTask(groupName, { autoScalingGroupName: groupName, minSize: pool.minSize, maxGroupPreparedCapacity: pool.maxSize ?? -1 }, { dependsOn: [group] });
  if (!pool.enableLifecycleHook) return [warm];
  const hook = lifecycleHookTask(
    groupName,
    {
      autoScalingGroupName: groupName,
      lifecycleHookName: WARM_POOL_HOOK,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      heartbeatTimeout: WARM_POOL_HOOK_TIMEOUT,
      // A machine nodeup did not prepare in time is replaced, as kops.
      defaultResult: 'ABANDON',
    },
    { dependsOn: [group, idOf(warm)] },
  );
  return [warm, hook];
}
