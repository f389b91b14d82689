/**
 * TargetGroup of the API load balancer (CreateTargetGroup). Outputs: `id` (the ARN). Instances join it through their Auto Scaling group (`targetGroupArns`).
 */

import { AddTagsCommand, CreateTargetGroupCommand, DeleteTargetGroupCommand, DescribeTargetGroupsCommand, ModifyTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveObject } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listLoadBalancing } from '../listings/services.js';
import { awsTags, tagsToSet } from '../tags.js';
import type { Ownership, TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags } from './live.js';

export interface TargetGroupFields {
  readonly targetGroupName: string;
  /** TLS: the load balancer's TLS listener opens a new TLS connection to the API servers. */
  readonly protocol: 'TCP' | 'TLS';
  readonly port: number;
  readonly vpcId: string;
  readonly targetType: 'instance';
  readonly healthCheck: { readonly protocol: 'TCP'; readonly intervalSeconds: number; readonly healthyThresholdCount: number; readonly unhealthyThresholdCount: number };
  readonly tags: TagMap;
}

export const targetGroupTask = taskConstructor<TargetGroupFields>('TargetGroup');

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

const healthCheck = ({ healthCheck: h }: TargetGroupFields) => ({
  HealthCheckProtocol: h.protocol,
  HealthCheckIntervalSeconds: h.intervalSeconds,
  HealthyThresholdCount: h.healthyThresholdCount,
  UnhealthyThresholdCount: h.unhealthyThresholdCount,
});

export const targetGroupKind = awsKind<TargetGroupFields>({
  kind: 'TargetGroup',
  uses: ['VPC'],
  immutable: ['targetGroupName', 'protocol', 'port', 'vpcId', 'targetType'],
  list: async (ctx) => (await listLoadBalancing(ctx)).targetGroups.map((t) => toLive(ctx, t.item, t.owner, t.tags)),
  async find(ctx, _task, d) {
    try {
      const tg = (await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [d.targetGroupName] }))).TargetGroups?.[0];
      return tg ? toLive(ctx, tg, 'hoist', {}) : undefined;
    } catch (e) {
      if (hasName(e, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) return undefined;
      throw e;
    }
  },
  async create(ctx, _task, d) {
    const out = await ctx.clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: d.targetGroupName,
        Protocol: d.protocol,
        Port: d.port,
        VpcId: d.vpcId,
        TargetType: d.targetType,
        ...healthCheck(d),
        Tags: awsTags(d.tags),
      }),
    );
    return toLive(ctx, out.TargetGroups![0]!, 'hoist', d.tags);
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('healthCheck')) await ctx.clients.elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: live.id, ...healthCheck(d) }));
    const set = tagsToSet(d.tags, liveTags(live));
    if (changed.has('tags') && Object.keys(set).length > 0) await ctx.clients.elbv2.send(new AddTagsCommand({ ResourceArns: [live.id], Tags: awsTags(set) }));
    return { ...live, fields: { ...live.fields, healthCheck: d.healthCheck, tags: d.tags } };
  },
  async delete(ctx, live) {
    await ctx.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: live.id }));
  },
});
