/**
 * The warm pool of an instance group's Auto Scaling group (kops's WarmPool task): PutWarmPool
 * makes and changes it, DeleteWarmPool (forced: its stopped machines hold nothing) takes it off.
 *
 * Read from the groups' listing (listings/autoscaling-groups.ts): DescribeAutoScalingGroups
 * answers each group's WarmPoolConfiguration, so a plan reads warm pools without a call of its
 * own, however many groups have one (DescribeWarmPool would be one call per group). A pool being
 * deleted (PendingDelete) is gone already.
 */

import { DeleteWarmPoolCommand, PutWarmPoolCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { NotReadyError } from '../../../src/engine/executor.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { LiveObject } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listAutoScalingGroups } from '../listings/autoscaling-groups.js';
import type { Listed } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind } from './kind.js';
import { liveObject } from './live.js';

export interface WarmPoolFields {
  /** The group's name (the task's name too). */
  readonly autoScalingGroupName: string;
  readonly minSize: number;
  /** AWS's MaxGroupPreparedCapacity; -1: the group's maxSize. */
  readonly maxGroupPreparedCapacity: number;
}

export const warmPoolTask = taskConstructor<WarmPoolFields>('WarmPool');

/** The group's warm pool as a live object, or undefined when it has none (or one being deleted). */
export function liveWarmPool(ctx: AwsContext, g: Listed<AutoScalingGroup>): LiveObject | undefined {
  const pool = g.item.WarmPoolConfiguration;
  if (pool === undefined || pool.Status === 'PendingDelete') return undefined;
  const name = g.item.AutoScalingGroupName!;
  const max = pool.MaxGroupPreparedCapacity;
  const fields: WarmPoolFields = { autoScalingGroupName: name, minSize: pool.MinSize ?? 0, maxGroupPreparedCapacity: max === undefined || max < 0 ? -1 : max };
  // A warm pool has no tags: it is the group's, named as the group is.
  return liveObject(ctx, g, name, { Name: tagMap(g.item.Tags)['Name'] ?? name }, { ...fields, tags: {} });
}

async function put(ctx: AwsContext, d: WarmPoolFields): Promise<void> {
  try {
    await ctx.clients.autoscaling.send(new PutWarmPoolCommand({ AutoScalingGroupName: d.autoScalingGroupName, MinSize: d.minSize, MaxGroupPreparedCapacity: d.maxGroupPreparedCapacity }));
  } catch (e) {
    // A group still being made, or a pool still being deleted, takes no warm pool yet.
    if (hasName(e, 'ValidationError', 'ResourceContention', 'ScalingActivityInProgress', 'ScalingActivityInProgressFault')) throw new NotReadyError(`the warm pool of Auto Scaling group ${d.autoScalingGroupName}: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

export const warmPoolKind = awsKind<WarmPoolFields>({
  kind: 'WarmPool',
  uses: ['AutoScalingGroup'],
  immutable: ['autoScalingGroupName'],
  list: async (ctx) => (await listAutoScalingGroups(ctx)).flatMap((g) => liveWarmPool(ctx, g) ?? []),
  async create(ctx, _task, d) {
    await put(ctx, d);
    return liveObject(ctx, { owner: 'hoist' }, d.autoScalingGroupName, { Name: d.autoScalingGroupName }, { ...d, tags: {} });
  },
  async update(ctx, _task, live, d) {
    await put(ctx, d);
    return { ...live, fields: { ...live.fields, ...d } };
  },
  async delete(ctx, live) {
    await ctx.clients.autoscaling.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: live.id, ForceDelete: true }));
  },
});
