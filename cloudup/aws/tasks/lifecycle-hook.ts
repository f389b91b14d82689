/**
 * The lifecycle hook of a warm pool (kops's `kops-warmpool`): every launch of the group's
 * machines, into the warm pool or into service, waits in Pending:Wait until nodeup completes the
 * action (or the heartbeat timeout passes and the default result, ABANDON, replaces the machine).
 * So a warming machine is stopped only once nodeup has prepared it.
 *
 * It uses the warm pool: made after it and deleted before it, so that a hook is never left on a
 * group without a warm pool, where no plan would look for it. DescribeLifecycleHooks takes one
 * group, so a plan asks only of the groups that have a warm pool or whose spec wants a hook: a
 * cluster without warm pools pays no call.
 */

import { DeleteLifecycleHookCommand, DescribeLifecycleHooksCommand, PutLifecycleHookCommand } from '@aws-sdk/client-auto-scaling';
import type { LifecycleHook } from '@aws-sdk/client-auto-scaling';
import { taskConstructor } from '../../../src/engine/task.js';
import type { LiveObject, Task } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { listAutoScalingGroups } from '../listings/autoscaling-groups.js';
import { tagMap } from '../tags.js';
import { WARM_POOL_HOOK } from '../../../src/api/warm-pool.js';
import { awsKind, liveFields } from './kind.js';
import { liveObject } from './live.js';
import { liveWarmPool } from './warm-pool.js';

export interface LifecycleHookFields {
  readonly autoScalingGroupName: string;
  readonly lifecycleHookName: string;
  /** autoscaling:EC2_INSTANCE_LAUNCHING or autoscaling:EC2_INSTANCE_TERMINATING. */
  readonly lifecycleTransition: string;
  /** Seconds. */
  readonly heartbeatTimeout: number;
  /** CONTINUE or ABANDON. */
  readonly defaultResult: string;
}

export const lifecycleHookTask = taskConstructor<LifecycleHookFields>('LifecycleHook');

function fieldsOf(h: LifecycleHook): LifecycleHookFields {
  return {
    autoScalingGroupName: h.AutoScalingGroupName ?? '',
    lifecycleHookName: h.LifecycleHookName ?? '',
    lifecycleTransition: h.LifecycleTransition ?? '',
    heartbeatTimeout: h.HeartbeatTimeout ?? 0,
    defaultResult: h.DefaultResult ?? '',
  };
}

/** The hooks named `names` (and the tasks' names) of the groups that have a warm pool or whose hook is in the plan. */
async function list(ctx: AwsContext, desired: readonly Task[] | undefined, names: readonly string[]): Promise<LiveObject[]> {
  const groups = await listAutoScalingGroups(ctx);
  const wanted = new Set((desired ?? []).map((t) => String(t.desired['autoScalingGroupName'])));
  const asked = groups.filter((g) => wanted.has(g.item.AutoScalingGroupName!) || liveWarmPool(ctx, g) !== undefined);
  const hookNames = [...new Set([...names, ...(desired ?? []).map((t) => String(t.desired['lifecycleHookName']))])];
  const found = await Promise.all(
    asked.map(async (g) => {
      const name = g.item.AutoScalingGroupName!;
      const out = await ctx.clients.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name, LifecycleHookNames: hookNames }));
      return (out.LifecycleHooks ?? []).map((h) => liveObject(ctx, g, `${name}/${h.LifecycleHookName}`, { Name: tagMap(g.item.Tags)['Name'] ?? name }, { ...fieldsOf(h), tags: {} }));
    }),
  );
  return found.flat();
}

export const lifecycleHookKind = awsKind<LifecycleHookFields>({
  kind: 'LifecycleHook',
  uses: ['AutoScalingGroup', 'WarmPool'],
  immutable: ['autoScalingGroupName', 'lifecycleHookName'],
  listReadsTasks: true,
  // The hooks hoist makes are named so (kops's name): one taken off the spec is found by it.
  list: (ctx, desired) => list(ctx, desired, [WARM_POOL_HOOK]),
  async create(ctx, _task, d) {
    await put(ctx, d);
    return liveObject(ctx, { owner: 'hoist' }, `${d.autoScalingGroupName}/${d.lifecycleHookName}`, { Name: d.autoScalingGroupName }, { ...d, tags: {} });
  },
  async update(ctx, _task, live, d) {
    await put(ctx, d);
    return { ...live, fields: { ...live.fields, ...d } };
  },
  async delete(ctx, live) {
    const f = liveFields<LifecycleHookFields>(live);
    await ctx.clients.autoscaling.send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: f.autoScalingGroupName, LifecycleHookName: f.lifecycleHookName }));
  },
});

/** PutLifecycleHook makes the hook or changes it in place. */
async function put(ctx: AwsContext, d: LifecycleHookFields): Promise<void> {
  await ctx.clients.autoscaling.send(
    new PutLifecycleHookCommand({
      AutoScalingGroupName: d.autoScalingGroupName,
      LifecycleHookName: d.lifecycleHookName,
      LifecycleTransition: d.lifecycleTransition,
      HeartbeatTimeout: d.heartbeatTimeout,
      DefaultResult: d.defaultResult,
    }),
  );
}
