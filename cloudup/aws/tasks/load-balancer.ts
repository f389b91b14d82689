/**
 * LoadBalancer: the network load balancer in front of the API servers (CreateLoadBalancer).
 * Outputs: `id` (the ARN), `dnsName`, `canonicalHostedZoneId`.
 *
 * AWS keeps a network load balancer with or without security groups for life: one made without
 * any cannot get one, and one made with some cannot lose the last. So a change between none and
 * some replaces it; any other change of the list is made in place (SetSecurityGroups).
 *
 * The addresses it takes in its subnets (SubnetMappings: an Elastic IP of an internet-facing one,
 * a private address of an internal one) are set when it is made: a subnet added in a new zone
 * comes with its address (SetSubnets), but a changed address of a subnet it is in replaces it.
 * Its access logs are attributes, changed in place, and so is its IP address type (SetIpAddressType:
 * dual-stack needs every subnet it is in to hold an IPv6 range).
 */

import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AvailabilityZone, LoadBalancer, LoadBalancerAttribute, SubnetMapping } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { FieldChange } from '../../../src/engine/plan.js';
import type { Fields, LiveObject, ResolvedFields, TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listSecurityGroups } from '../listings/ec2.js';
import { ACCESS_LOGS, CROSS_ZONE, listLoadBalancing, loadBalancerAttributes } from '../listings/services.js';
import { awsTags, tagsToSet } from '../tags.js';
import type { Ownership, TagMap } from '../tags.js';
import { awsKind, changedFields, liveFields } from './kind.js';
import { liveObject, liveTags } from './live.js';

/** The address a load balancer takes in one of its subnets; an empty one: what AWS picks. */
// Type literals, not interfaces: live fields are plain data (Resolved), which an interface is not.
export type SubnetAddress = {
  readonly privateIPv4Address?: string;
  /** An Elastic IP's allocation id (eipalloc-…). */
  readonly allocationId?: string;
};

/** The `access_logs.s3.*` attributes; disabled, the bucket and prefix are not compared. */
export type AccessLog = {
  readonly enabled: boolean;
  readonly bucket?: string;
  /** '' for the bucket's root, as ELB answers it. */
  readonly prefix?: string;
};

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
  /**
   * With subnets the spec names: the address in each of `subnetIds`, in the same order. An
   * Elastic IP is compared whether given or not; a private address only where given (AWS picks
   * one for an internal load balancer). Absent: the subnets' addresses are not compared.
   */
  readonly subnetAddresses?: readonly SubnetAddress[];
  readonly accessLog: AccessLog;
  /** `dualstack`: IPv4 and IPv6 addresses (an IPv6 cluster's, as kops). Absent: not compared (made `ipv4`, ELB's default). */
  readonly ipAddressType?: 'ipv4' | 'dualstack';
  readonly tags: TagMap;
}

export const loadBalancerTask = taskConstructor<LoadBalancerFields>('LoadBalancer');

/** The cluster's own groups first, then the others, each part sorted: the order the model asks for. */
async function groupOrder(ctx: AwsContext, ids: readonly string[] | undefined): Promise<string[]> {
  if (!ids || ids.length === 0) return [];
  const owned = new Set((await listSecurityGroups(ctx)).map((g) => g.item.GroupId));
  return [...ids.filter((id) => owned.has(id)).sort(), ...ids.filter((id) => !owned.has(id)).sort()];
}

function addressOf(zone: AvailabilityZone): SubnetAddress {
  const a = zone.LoadBalancerAddresses?.find((x) => x.AllocationId !== undefined || x.PrivateIPv4Address !== undefined);
  return { ...(a?.PrivateIPv4Address ? { privateIPv4Address: a.PrivateIPv4Address } : {}), ...(a?.AllocationId ? { allocationId: a.AllocationId } : {}) };
}

function accessLogOf(attributes: ReadonlyMap<string, string>): AccessLog {
  if (attributes.get(ACCESS_LOGS.enabled) !== 'true') return { enabled: false };
  return { enabled: true, bucket: attributes.get(ACCESS_LOGS.bucket) ?? '', prefix: attributes.get(ACCESS_LOGS.prefix) ?? '' };
}

function accessLogAttributes(log: AccessLog): LoadBalancerAttribute[] {
  const enabled = { Key: ACCESS_LOGS.enabled, Value: String(log.enabled) };
  // ELB checks the bucket (that it may write there) only when logging is turned on.
  return log.enabled ? [enabled, { Key: ACCESS_LOGS.bucket, Value: log.bucket ?? '' }, { Key: ACCESS_LOGS.prefix, Value: log.prefix ?? '' }] : [enabled];
}

function subnetMappings(d: LoadBalancerFields): SubnetMapping[] {
  return d.subnetIds.map((id, i) => {
    const a = d.subnetAddresses?.[i];
    return { SubnetId: id, ...(a?.privateIPv4Address ? { PrivateIPv4Address: a.privateIPv4Address } : {}), ...(a?.allocationId ? { AllocationId: a.allocationId } : {}) };
  });
}

/** A live address as a task's compares with it: its Elastic IP always, its private address where the task gives one. */
function comparableAddress(live: SubnetAddress | undefined, wanted: SubnetAddress | undefined): SubnetAddress {
  return {
    ...(live?.allocationId ? { allocationId: live.allocationId } : {}),
    ...(wanted?.privateIPv4Address !== undefined && live?.privateIPv4Address ? { privateIPv4Address: live.privateIPv4Address } : {}),
  };
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
      subnetAddresses: zones.map(addressOf),
      accessLog: accessLogOf(attributes),
      ipAddressType: lb.IpAddressType ?? 'ipv4',
    },
    { dnsName: lb.DNSName ?? '', canonicalHostedZoneId: lb.CanonicalHostedZoneId ?? '' },
  );
}

async function setAttributes(ctx: AwsContext, arn: string, attributes: LoadBalancerAttribute[]): Promise<void> {
  if (attributes.length > 0) await ctx.clients.elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: attributes }));
}

const kind = awsKind<LoadBalancerFields>({
  kind: 'LoadBalancer',
  uses: ['Subnet', 'InternetGateway', 'SecurityGroup'],
  immutable: ['loadBalancerName', 'type', 'scheme'],
  comparable(live: ResolvedFields, desired: Fields): ResolvedFields {
    const wanted = desired['subnetAddresses'] as readonly SubnetAddress[] | undefined;
    const { subnetAddresses, ...rest } = live as unknown as LoadBalancerFields;
    if (!Array.isArray(wanted)) return rest as unknown as ResolvedFields;
    return { ...rest, subnetAddresses: (subnetAddresses ?? []).map((a, i) => comparableAddress(a, wanted[i])) } as unknown as ResolvedFields;
  },
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
        ...(d.subnetAddresses ? { SubnetMappings: subnetMappings(d) } : { Subnets: [...d.subnetIds] }),
        ...(d.securityGroupIds.length > 0 ? { SecurityGroups: [...d.securityGroupIds] } : {}),
        ...(d.ipAddressType === undefined ? {} : { IpAddressType: d.ipAddressType }),
        Tags: awsTags(d.tags),
      }),
    );
    const lb = out.LoadBalancers![0]!;
    // A network load balancer is made with cross-zone load balancing and access logs off. Should
    // this call fail, the next attempt finds the load balancer and sets them (kind.ts).
    const attributes = [...(d.crossZoneLoadBalancing ? [{ Key: CROSS_ZONE, Value: 'true' }] : []), ...(d.accessLog.enabled ? accessLogAttributes(d.accessLog) : [])];
    await setAttributes(ctx, lb.LoadBalancerArn!, attributes);
    const set = new Map([[CROSS_ZONE, String(d.crossZoneLoadBalancing)], ...attributes.map((a) => [a.Key!, a.Value!] as const)]);
    return toLive(ctx, lb, 'hoist', d.tags, set, d.securityGroupIds);
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('subnetIds') || changed.has('subnetAddresses')) {
      const subnets = d.subnetAddresses ? { SubnetMappings: subnetMappings(d) } : { Subnets: [...d.subnetIds] };
      await ctx.clients.elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: live.id, ...subnets }));
    }
    if (changed.has('securityGroupIds')) await ctx.clients.elbv2.send(new SetSecurityGroupsCommand({ LoadBalancerArn: live.id, SecurityGroups: [...d.securityGroupIds] }));
    // After SetSubnets: dual-stack is refused while a subnet it is in has no IPv6 range.
    if (changed.has('ipAddressType') && d.ipAddressType !== undefined) await ctx.clients.elbv2.send(new SetIpAddressTypeCommand({ LoadBalancerArn: live.id, IpAddressType: d.ipAddressType }));
    await setAttributes(ctx, live.id, [
      ...(changed.has('crossZoneLoadBalancing') ? [{ Key: CROSS_ZONE, Value: String(d.crossZoneLoadBalancing) }] : []),
      ...(changed.has('accessLog') ? accessLogAttributes(d.accessLog) : []),
    ]);
    const set = tagsToSet(d.tags, liveTags(live));
    if (changed.has('tags') && Object.keys(set).length > 0) await ctx.clients.elbv2.send(new AddTagsCommand({ ResourceArns: [live.id], Tags: awsTags(set) }));
    return { ...live, fields: { ...live.fields, subnetIds: [...d.subnetIds], securityGroupIds: [...d.securityGroupIds], crossZoneLoadBalancing: d.crossZoneLoadBalancing, ...(d.subnetAddresses ? { subnetAddresses: [...d.subnetAddresses] } : {}), accessLog: d.accessLog, ...(d.ipAddressType === undefined ? {} : { ipAddressType: d.ipAddressType }), tags: d.tags } };
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
    const moved = movedAddress(live, changes);
    if (moved !== undefined) return { replaceReason: moved };
    const change = changes.find((c) => c.path === 'securityGroupIds');
    const had = liveFields<LoadBalancerFields>(live).securityGroupIds?.length ?? 0;
    const wants = Array.isArray(change?.after) ? change.after.length : undefined;
    if (change === undefined || wants === undefined || (had > 0) === (wants > 0)) return check;
    return { replaceReason: `securityGroupIds: a network load balancer ${had > 0 ? 'made with security groups keeps at least one' : 'made without security groups cannot get any'}` };
  },
};

/**
 * Why a change of the subnets' addresses replaces the load balancer: a subnet it stays in gets
 * another address (ELB sets them when it is made, or when a subnet is added). Undefined: none.
 */
function movedAddress(live: LiveObject, changes: readonly FieldChange[]): string | undefined {
  const change = changes.find((c) => c.path === 'subnetAddresses');
  if (!change || !Array.isArray(change.after)) return undefined;
  const l = liveFields<LoadBalancerFields>(live);
  const after = change.after as readonly SubnetAddress[];
  const idsChange = changes.find((c) => c.path === 'subnetIds');
  const ids = idsChange === undefined ? l.subnetIds : Array.isArray(idsChange.after) ? (idsChange.after as readonly unknown[]) : [];
  for (const [i, id] of ids.entries()) {
    const j = typeof id === 'string' ? l.subnetIds.indexOf(id) : -1;
    if (j < 0) continue;
    const had = comparableAddress(l.subnetAddresses?.[j], after[i]);
    const wants = after[i] ?? {};
    if (had.allocationId !== wants.allocationId || had.privateIPv4Address !== wants.privateIPv4Address) {
      return `subnetAddresses: the address of a network load balancer in subnet ${id} is set when it is made (${JSON.stringify(had)} → ${JSON.stringify(wants)})`;
    }
  }
  return undefined;
}
