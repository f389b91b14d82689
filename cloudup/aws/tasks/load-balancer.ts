/**
 * LoadBalancer: the network load balancer in front of the API servers (CreateLoadBalancer).
 * Outputs: `id` (the ARN), `dnsName`, `canonicalHostedZoneId`.
 */

import { AddTagsCommand, CreateLoadBalancerCommand, DeleteLoadBalancerCommand, DescribeLoadBalancersCommand, SetSubnetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveObject } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listLoadBalancing } from '../listings/services.js';
import { awsTags, tagsToSet } from '../tags.js';
import type { Ownership, TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags } from './live.js';

export interface LoadBalancerFields {
  readonly loadBalancerName: string;
  readonly type: 'network';
  readonly scheme: 'internet-facing' | 'internal';
  /** One per zone, in zone order. */
  readonly subnetIds: readonly string[];
  readonly tags: TagMap;
}

export const loadBalancerTask = taskConstructor<LoadBalancerFields>('LoadBalancer');

function toLive(ctx: AwsContext, lb: LoadBalancer, owner: Ownership | undefined, tags: TagMap): LiveObject {
  // AWS lists zones in no set order: zone order is the canonical one.
  const zones = [...(lb.AvailabilityZones ?? [])].sort((a, b) => (a.ZoneName ?? '').localeCompare(b.ZoneName ?? ''));
  return liveObject(
    ctx,
    { owner },
    lb.LoadBalancerArn!,
    tags,
    { loadBalancerName: lb.LoadBalancerName ?? '', type: lb.Type ?? '', scheme: lb.Scheme ?? '', subnetIds: zones.map((z) => z.SubnetId ?? '') },
    { dnsName: lb.DNSName ?? '', canonicalHostedZoneId: lb.CanonicalHostedZoneId ?? '' },
  );
}

export const loadBalancerKind = awsKind<LoadBalancerFields>({
  kind: 'LoadBalancer',
  uses: ['Subnet', 'InternetGateway'],
  immutable: ['loadBalancerName', 'type', 'scheme'],
  list: async (ctx) => (await listLoadBalancing(ctx)).loadBalancers.map((l) => toLive(ctx, l.item, l.owner, l.tags)),
  async find(ctx, _task, d) {
    // Names are unique in the region: look the name up rather than list every load balancer.
    const name = d.loadBalancerName;
    try {
      const lb = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0];
      return lb ? toLive(ctx, lb, 'hoist', {}) : undefined;
    } catch (e) {
      if (hasName(e, 'LoadBalancerNotFound', 'LoadBalancerNotFoundException')) return undefined;
      throw e;
    }
  },
  async create(ctx, _task, d) {
    const out = await ctx.clients.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: d.loadBalancerName,
        Type: d.type,
        Scheme: d.scheme,
        Subnets: [...d.subnetIds],
        Tags: awsTags(d.tags),
      }),
    );
    return toLive(ctx, out.LoadBalancers![0]!, 'hoist', d.tags);
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('subnetIds')) await ctx.clients.elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: live.id, Subnets: [...d.subnetIds] }));
    const set = tagsToSet(d.tags, liveTags(live));
    if (changed.has('tags') && Object.keys(set).length > 0) await ctx.clients.elbv2.send(new AddTagsCommand({ ResourceArns: [live.id], Tags: awsTags(set) }));
    return { ...live, fields: { ...live.fields, subnetIds: [...d.subnetIds], tags: d.tags } };
  },
  async delete(ctx, live) {
    await ctx.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: live.id }));
  },
});
