/**
 * LoadBalancer: the network load balancer in front of the API servers (CreateLoadBalancer).
 * Outputs: `id` (the ARN), `dnsName`, `canonicalHostedZoneId`.
 *
 * AWS keeps a network load balancer with or without security groups for life: one made without
 * any cannot get one, and one made with some cannot lose the last. So a change between none and
 * some replaces it; any other change of the list is made in place (SetSecurityGroups).
 */

import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveObject, TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listSecurityGroups } from '../listings/ec2.js';
import { CROSS_ZONE, listLoadBalancing, loadBalancerAttributes } from '../listings/services.js';
import { awsTags, tagsToSet } from '../tags.js';
import type { Ownership, TagMap } from '../tags.js';
import { awsKind, changedFields, liveFields } from './kind.js';
import { liveObject, liveTags } from './live.js';

export interface LoadBalancerFields {
  readonly loadBalancerName: string;
  readonly type: 'network';
  readonly scheme: 'internet-facing' | 'internal';
  /** One per zone, in zone order. */
  readonly subnetIds: readonly string[];
  /**
   * hoist's own group first, then the others sorted (as the live ones are read); empty: a load
   * balancer without security groups.
   */
  readonly securityGroupIds: readonly string[];
  /** The `load_balancing.cross_zone.enabled` attribute. */
  readonly crossZoneLoadBalancing: boolean;
  readonly tags: TagMap;
}

export const loadBalancerTask = taskConstructor<LoadBalancerFields>('LoadBalancer');

/** The cluster's own groups first, then the others, each part sorted: the order the model asks for. */
async function groupOrder(ctx: AwsContext, ids: readonly string[] | undefined): Promise<string[]> {
  if (!ids || ids.length === 0) return [];
  const owned = new Set((await listSecurityGroups(ctx)).map((g) => g.item.GroupId));
  return [...ids.filter((id) => owned.has(id)).sort(), ...ids.filter((id) => !owned.has(id)).sort()];
}

function toLive(ctx: AwsContext, lb: LoadBalancer, owner: Ownership | undefined, tags: TagMap, attributes: ReadonlyMap<string, string>, groups: readonly string[]): LiveObject {
  // AWS lists zones in no set order: zone order is the canonical one.
  const zones = [...(lb.AvailabilityZones ?? [])].sort((a, b) => (a.ZoneName ?? '').localeCompare(b.ZoneName ?? ''));
  return liveObject(
    ctx,
    { owner },
    lb.LoadBalancerArn!,
    tags,
    {
      loadBalancerName: lb.LoadBalancerName ?? '',
      type: lb.Type ?? '',
      scheme: lb.Scheme ?? '',
      subnetIds: zones.map((z) => z.SubnetId ?? ''),
      securityGroupIds: [...groups],
      crossZoneLoadBalancing: attributes.get(CROSS_ZONE) === 'true',
    },
    { dnsName: lb.DNSName ?? '', canonicalHostedZoneId: lb.CanonicalHostedZoneId ?? '' },
  );
}

async function setCrossZone(ctx: AwsContext, arn: string, enabled: boolean): Promise<void> {
  await ctx.clients.elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: CROSS_ZONE, Value: String(enabled) }] }));
}

const kind = awsKind<LoadBalancerFields>({
  kind: 'LoadBalancer',
  uses: ['Subnet', 'InternetGateway', 'SecurityGroup'],
  immutable: ['loadBalancerName', 'type', 'scheme'],
  list: async (ctx) => Promise.all((await listLoadBalancing(ctx)).loadBalancers.map(async (l) => toLive(ctx, l.item, l.owner, l.tags, l.attributes, await groupOrder(ctx, l.item.SecurityGroups)))),
  async find(ctx, _task, d) {
    // Names are unique in the region: look the name up rather than list every load balancer.
    const name = d.loadBalancerName;
    try {
      const lb = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0];
      return lb ? toLive(ctx, lb, 'hoist', {}, await loadBalancerAttributes(ctx, lb.LoadBalancerArn!), await groupOrder(ctx, lb.SecurityGroups)) : undefined;
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
        ...(d.securityGroupIds.length > 0 ? { SecurityGroups: [...d.securityGroupIds] } : {}),
        Tags: awsTags(d.tags),
      }),
    );
    const lb = out.LoadBalancers![0]!;
    // A network load balancer is made with cross-zone load balancing off. Should this call
    // fail, the next attempt finds the load balancer and sets it (kind.ts).
    if (d.crossZoneLoadBalancing) await setCrossZone(ctx, lb.LoadBalancerArn!, true);
    return toLive(ctx, lb, 'hoist', d.tags, new Map([[CROSS_ZONE, String(d.crossZoneLoadBalancing)]]), d.securityGroupIds);
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('subnetIds')) await ctx.clients.elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: live.id, Subnets: [...d.subnetIds] }));
    if (changed.has('securityGroupIds')) await ctx.clients.elbv2.send(new SetSecurityGroupsCommand({ LoadBalancerArn: live.id, SecurityGroups: [...d.securityGroupIds] }));
    if (changed.has('crossZoneLoadBalancing')) await setCrossZone(ctx, live.id, d.crossZoneLoadBalancing);
    const set = tagsToSet(d.tags, liveTags(live));
    if (changed.has('tags') && Object.keys(set).length > 0) await ctx.clients.elbv2.send(new AddTagsCommand({ ResourceArns: [live.id], Tags: awsTags(set) }));
    return { ...live, fields: { ...live.fields, subnetIds: [...d.subnetIds], securityGroupIds: [...d.securityGroupIds], crossZoneLoadBalancing: d.crossZoneLoadBalancing, tags: d.tags } };
  },
  async delete(ctx, live) {
    await ctx.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: live.id }));
  },
});

export const loadBalancerKind: TaskKind<AwsContext> = {
  ...kind,
  checkChanges(live, changes) {
    const check = kind.checkChanges(live, changes);
    if (check.replaceReason !== undefined) return check;
    const change = changes.find((c) => c.path === 'securityGroupIds');
    const had = liveFields<LoadBalancerFields>(live).securityGroupIds?.length ?? 0;
    const wants = Array.isArray(change?.after) ? change.after.length : undefined;
    if (change === undefined || wants === undefined || (had > 0) === (wants > 0)) return check;
    return { replaceReason: `securityGroupIds: a network load balancer ${had > 0 ? 'made with security groups keeps at least one' : 'made without security groups cannot get any'}` };
  },
};
