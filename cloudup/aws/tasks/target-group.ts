/**
 * TargetGroup of the API load balancer. Desired: `targetGroupName`, `protocol`, `port`,
 * `vpcId`, `targetType` ("instance"), `healthCheck` {protocol, intervalSeconds,
 * healthyThresholdCount, unhealthyThresholdCount} (CreateTargetGroup), `tags`. Outputs: `id`
 * (the ARN). Instances join it through their Auto Scaling group (`targetGroupArns`).
 */

import { AddTagsCommand, CreateTargetGroupCommand, DeleteTargetGroupCommand, DescribeTargetGroupsCommand, ModifyTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listLoadBalancing } from '../listings/services.js';
import { awsTags, tagsToSet } from '../tags.js';
import type { Ownership, TagMap } from '../tags.js';
import { awsKind, changedFields, map, num, str } from './kind.js';
import { liveObject, liveTags } from './live.js';

function toLive(ctx: AwsContext, tg: TargetGroup, owner: Ownership | undefined, tags: TagMap): LiveObject {
  return liveObject(ctx, { owner }, tg.TargetGroupArn!, tags, {
    targetGroupName: tg.TargetGroupName ?? '',
    protocol: tg.Protocol ?? '',
    port: tg.Port ?? 0,
    vpcId: tg.VpcId ?? '',
    targetType: tg.TargetType ?? '',
    healthCheck: {
      protocol: tg.HealthCheckProtocol ?? '',
      intervalSeconds: tg.HealthCheckIntervalSeconds ?? 0,
      healthyThresholdCount: tg.HealthyThresholdCount ?? 0,
      unhealthyThresholdCount: tg.UnhealthyThresholdCount ?? 0,
    },
  });
}

const healthCheck = (d: ResolvedFields) => {
  const h = d['healthCheck'] as ResolvedFields;
  return {
    HealthCheckProtocol: str(h, 'protocol') as never,
    HealthCheckIntervalSeconds: num(h, 'intervalSeconds'),
    HealthyThresholdCount: num(h, 'healthyThresholdCount'),
    UnhealthyThresholdCount: num(h, 'unhealthyThresholdCount'),
  };
};

export const targetGroupKind = awsKind({
  kind: 'TargetGroup',
  uses: ['VPC'],
  immutable: ['targetGroupName', 'protocol', 'port', 'vpcId', 'targetType'],
  list: async (ctx) => (await listLoadBalancing(ctx)).targetGroups.map((t) => toLive(ctx, t.item, t.owner, t.tags)),
  async find(ctx, _task, d) {
    try {
      const tg = (await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [str(d, 'targetGroupName')] }))).TargetGroups?.[0];
      return tg ? toLive(ctx, tg, 'hoist', {}) : undefined;
    } catch (e) {
      if (hasName(e, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) return undefined;
      throw e;
    }
  },
  async create(ctx, _task, d) {
    const out = await ctx.clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: str(d, 'targetGroupName'),
        Protocol: str(d, 'protocol') as never,
        Port: num(d, 'port'),
        VpcId: str(d, 'vpcId'),
        TargetType: str(d, 'targetType') as never,
        ...healthCheck(d),
        Tags: awsTags(map(d, 'tags')),
      }),
    );
    return toLive(ctx, out.TargetGroups![0]!, 'hoist', map(d, 'tags'));
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('healthCheck')) await ctx.clients.elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: live.id, ...healthCheck(d) }));
    const set = tagsToSet(map(d, 'tags'), liveTags(live));
    if (changed.has('tags') && Object.keys(set).length > 0) await ctx.clients.elbv2.send(new AddTagsCommand({ ResourceArns: [live.id], Tags: awsTags(set) }));
    return { ...live, fields: { ...live.fields, healthCheck: d['healthCheck']!, tags: map(d, 'tags') } };
  },
  async delete(ctx, live) {
    await ctx.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: live.id }));
  },
});
