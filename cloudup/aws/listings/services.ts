/**
 * Listings of the services besides EC2, once per plan each. Load balancers and target groups
 * cannot be filtered by tag: they are listed whole and their tags read 20 at a time, so the
 * calls grow with the load balancers of the region, never with the cluster's instance groups.
 * IAM has no tag filter either: hoist keeps its roles under a path of the cluster's own, and
 * one paged GetAccountAuthorizationDetails gives every role with its inline policies and its
 * instance profiles.
 */

import {
  DescribeLoadBalancerAttributesCommand,
  DescribeTagsCommand,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Listener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { paginateGetAccountAuthorizationDetails, paginateListInstanceProfiles } from '@aws-sdk/client-iam';
import type { InstanceProfile, RoleDetail } from '@aws-sdk/client-iam';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { HostedZone, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { AwsContext } from '../context.js';
import { iamPath } from '../names.js';
import { isHostedZoneId } from '../zone-id.js';
import { ownership, tagMap } from '../tags.js';
import type { TagMap } from '../tags.js';
import type { Listed } from './ec2.js';

async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** The attribute of kops's crossZoneLoadBalancing. */
export const CROSS_ZONE = 'load_balancing.cross_zone.enabled';
/** The attributes of kops's accessLog. */
export const ACCESS_LOGS = { enabled: 'access_logs.s3.enabled', bucket: 'access_logs.s3.bucket', prefix: 'access_logs.s3.prefix' } as const;

export interface LoadBalancing {
  /** With their attributes: one more call per load balancer the cluster owns (it has one). */
  readonly loadBalancers: readonly (Listed<LoadBalancer> & { readonly tags: TagMap; readonly attributes: ReadonlyMap<string, string> })[];
  readonly targetGroups: readonly (Listed<TargetGroup> & { readonly tags: TagMap })[];
  /** Listeners of the cluster's load balancers. */
  readonly listeners: readonly Listener[];
}

export function listLoadBalancing(ctx: AwsContext): Promise<LoadBalancing> {
  return ctx.listings.get('loadBalancing', async () => {
    const elb = ctx.clients.elbv2;
    const [lbs, tgs] = await Promise.all([
      collect(paginateDescribeLoadBalancers({ client: elb, pageSize: 400 }, {}), (p) => p.LoadBalancers),
      collect(paginateDescribeTargetGroups({ client: elb, pageSize: 400 }, {}), (p) => p.TargetGroups),
    ]);
    const arns = [...lbs.map((l) => l.LoadBalancerArn!), ...tgs.map((t) => t.TargetGroupArn!)];
    const batches = Array.from({ length: Math.ceil(arns.length / 20) }, (_, i) => arns.slice(i * 20, i * 20 + 20));
    const described = await Promise.all(batches.map((ResourceArns) => elb.send(new DescribeTagsCommand({ ResourceArns }))));
    const tags = new Map(described.flatMap((d) => d.TagDescriptions ?? []).map((d) => [d.ResourceArn, tagMap(d.Tags)]));
    const withOwner = <T>(item: T, arn: string | undefined) => {
      const t = tags.get(arn) ?? {};
      const owner = ownership(t, ctx.cluster);
      return owner ? [{ item, owner, tags: t }] : [];
    };
    const loadBalancers = await Promise.all(
      lbs.flatMap((l) => withOwner(l, l.LoadBalancerArn)).map(async (l) => ({ ...l, attributes: await loadBalancerAttributes(ctx, l.item.LoadBalancerArn!) })),
    );
    const targetGroups = tgs.flatMap((t) => withOwner(t, t.TargetGroupArn));
    const listeners = (
      await Promise.all(
        loadBalancers.map((l) => collect(paginateDescribeListeners({ client: elb, pageSize: 400 }, { LoadBalancerArn: l.item.LoadBalancerArn }), (p) => p.Listeners)),
      )
    ).flat();
    return { loadBalancers, targetGroups, listeners };
  });
}

export async function loadBalancerAttributes(ctx: AwsContext, arn: string): Promise<Map<string, string>> {
  const out = await ctx.clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return new Map((out.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
}

export interface Iam {
  /** Roles under the cluster's path, with their inline policies. */
  readonly roles: readonly RoleDetail[];
  readonly instanceProfiles: readonly InstanceProfile[];
}

/**
 * The instance profiles come with the roles' details: each profile hoist makes holds one of its
 * roles, and ListInstanceProfiles would repeat every profile with its role (about a third of
 * IAM's answer bytes, growing with the groups). It is still read when a role that EC2 machines
 * assume has no profile (one lost its role, or an apply stopped between the two), and in a
 * teardown, so that a profile without its role is seen and deleted or given its role back.
 */
export function listIam(ctx: AwsContext): Promise<Iam> {
  return ctx.listings.get('iam', async () => {
    const path = iamPath(ctx.cluster);
    const all = await collect(paginateGetAccountAuthorizationDetails({ client: ctx.clients.iam, pageSize: 1000 }, { Filter: ['Role'] }), (p) => p.RoleDetailList);
    const roles = all.filter((r) => r.Path === path);
    const profileLess = roles.some((r) => (r.InstanceProfileList ?? []).length === 0 && assumedByEc2(r.AssumeRolePolicyDocument));
    const listed =
      profileLess || !ctx.mode.reconciling
        ? await collect(paginateListInstanceProfiles({ client: ctx.clients.iam, pageSize: 1000 }, { PathPrefix: path }), (p) => p.InstanceProfiles)
        : [];
    const profiles = new Map<string, InstanceProfile>();
    for (const p of [...roles.flatMap((r) => r.InstanceProfileList ?? []), ...listed]) {
      if (p.Path === path && p.InstanceProfileName !== undefined) profiles.set(p.InstanceProfileName, p);
    }
    return { roles, instanceProfiles: [...profiles.values()] };
  });
}

/** Whether a trust policy (URL-encoded JSON, as IAM returns it) lets EC2 assume the role: a machine's role. */
function assumedByEc2(document: string | undefined): boolean {
  if (document === undefined || document === '') return false;
  try {
    const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
    const statements = (JSON.parse(text) as { Statement?: unknown }).Statement;
    return (Array.isArray(statements) ? statements : [statements]).some((st) => {
      const service = (st as { Principal?: { Service?: unknown } } | undefined)?.Principal?.Service;
      return (Array.isArray(service) ? service : [service]).includes('ec2.amazonaws.com');
    });
  } catch {
    // Not JSON: not a role hoist wrote.
    return false;
  }
}

export interface Dns {
  readonly zone: HostedZone | undefined;
  /** The records of the names the cluster owns in the zone. */
  readonly records: readonly ResourceRecordSet[];
}

/** The zone by id (`Z…`) or by name, and the cluster's own records in it: two calls. */
export function listDns(ctx: AwsContext): Promise<Dns> {
  return ctx.listings.get('dns', async () => {
    const dns = ctx.dns;
    if (!dns) return { zone: undefined, records: [] };
    const r53 = ctx.clients.route53;
    const name = fqdn(dns.zone);
    const zone = isHostedZoneId(dns.zone)
      ? (await r53.send(new GetHostedZoneCommand({ Id: dns.zone }))).HostedZone
      : (await r53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 1 }))).HostedZones?.find((z) => fqdn(z.Name ?? '') === name);
    if (!zone) return { zone: undefined, records: [] };
    const wanted = new Set(dns.records.map(fqdn));
    const records: ResourceRecordSet[] = [];
    for (const record of [...wanted].sort()) {
      const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id, StartRecordName: record, MaxItems: 4 }));
      records.push(...(page.ResourceRecordSets ?? []).filter((r) => fqdn(r.Name ?? '') === record && (r.Type === 'A' || r.Type === 'AAAA')));
    }
    return { zone, records };
  });
}

/** Route 53 names: lower case, without the final dot. */
export function fqdn(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
