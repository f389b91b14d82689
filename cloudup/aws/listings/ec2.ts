/**
 * EC2 listings of one plan: each resource type listed once, with the ownership-tag filter, paged
 * to the end. Derived objects (routes, associations, rules, attachments) come from the listing of
 * their parent. Ownership is checked again on the client: a filter an emulator ignores must not
 * make hoist adopt or delete what is not the cluster's.
 */

import {
  DescribeAddressesCommand,
  DescribeKeyPairsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DescribeSubnetsCommand,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVolumes,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import type {
  Address,
  Instance,
  InternetGateway,
  KeyPairInfo,
  NatGateway,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  Subnet,
  Volume,
  Vpc,
} from '@aws-sdk/client-ec2';
import type { AwsContext } from '../context.js';
import { ownedFilter, ownership, tagMap } from '../tags.js';
import type { Ownership } from '../tags.js';

export interface Listed<T> {
  readonly item: T;
  /** undefined: shared (given by id, or found through a shared parent). */
  readonly owner: Ownership | undefined;
}

export async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

export function owned<T extends { Tags?: { Key?: string; Value?: string }[] | undefined }>(ctx: AwsContext, items: readonly T[]): Listed<T>[] {
  return items.flatMap((item) => {
    const owner = ownership(tagMap(item.Tags), ctx.cluster);
    return owner ? [{ item, owner }] : [];
  });
}

const shared = <T>(items: readonly T[]): Listed<T>[] => items.map((item) => ({ item, owner: undefined }));

export interface ListedVpc extends Listed<Vpc> {
  readonly dnsSupport?: boolean;
  readonly dnsHostnames?: boolean;
}

export function listVpcs(ctx: AwsContext): Promise<ListedVpc[]> {
  return ctx.listings.get('vpcs', async () => {
    const { ec2 } = ctx.clients;
    const ids = ctx.shared.get('VPC') ?? [];
    const [mine, theirs] = await Promise.all([
      collect(paginateDescribeVpcs({ client: ec2, pageSize: 1000 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.Vpcs),
      ids.length === 0 ? [] : ec2.send(new DescribeVpcsCommand({ VpcIds: [...ids] })).then((r) => r.Vpcs ?? []),
    ]);
    // The DNS attributes are desired of the VPCs hoist makes only; a cluster has one.
    const withAttributes = await Promise.all(
      owned(ctx, mine).map(async (v): Promise<ListedVpc> => {
        const vpcId = v.item.VpcId!;
        const [support, hostnames] = await Promise.all([
          ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' })),
          ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' })),
        ]);
        return { ...v, dnsSupport: support.EnableDnsSupport?.Value ?? false, dnsHostnames: hostnames.EnableDnsHostnames?.Value ?? false };
      }),
    );
    return [...withAttributes, ...shared(theirs)];
  });
}

export function listSubnets(ctx: AwsContext): Promise<Listed<Subnet>[]> {
  return ctx.listings.get('subnets', async () => {
    const ids = ctx.shared.get('Subnet') ?? [];
    const [mine, theirs] = await Promise.all([
      collect(paginateDescribeSubnets({ client: ctx.clients.ec2, pageSize: 1000 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.Subnets),
      ids.length === 0 ? [] : ctx.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...ids] })).then((r) => r.Subnets ?? []),
    ]);
    return [...owned(ctx, mine), ...shared(theirs)];
  });
}

/** The cluster's gateways, and the one attached to a shared VPC (never the cluster's to delete). */
export function listInternetGateways(ctx: AwsContext): Promise<Listed<InternetGateway>[]> {
  return ctx.listings.get('internetGateways', async () => {
    const ec2 = ctx.clients.ec2;
    const vpcs = ctx.shared.get('VPC') ?? [];
    const [mine, theirs] = await Promise.all([
      collect(paginateDescribeInternetGateways({ client: ec2, pageSize: 1000 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.InternetGateways),
      vpcs.length === 0
        ? []
        : collect(paginateDescribeInternetGateways({ client: ec2 }, { Filters: [{ Name: 'attachment.vpc-id', Values: [...vpcs] }] }), (p) => p.InternetGateways),
    ]);
    const ours = owned(ctx, mine);
    const ourIds = new Set(ours.map((g) => g.item.InternetGatewayId));
    return [...ours, ...shared(theirs.filter((g) => !ourIds.has(g.InternetGatewayId)))];
  });
}

export function listRouteTables(ctx: AwsContext): Promise<Listed<RouteTable>[]> {
  return ctx.listings.get('routeTables', async () =>
    owned(ctx, await collect(paginateDescribeRouteTables({ client: ctx.clients.ec2, pageSize: 100 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.RouteTables)),
  );
}

export function listAddresses(ctx: AwsContext): Promise<Listed<Address>[]> {
  return ctx.listings.get('addresses', async () =>
    owned(ctx, (await ctx.clients.ec2.send(new DescribeAddressesCommand({ Filters: ownedFilter(ctx.cluster) }))).Addresses ?? []),
  );
}

export function listNatGateways(ctx: AwsContext): Promise<Listed<NatGateway>[]> {
  return ctx.listings.get('natGateways', async () => {
    const all = await collect(paginateDescribeNatGateways({ client: ctx.clients.ec2, pageSize: 1000 }, { Filter: ownedFilter(ctx.cluster) }), (p) => p.NatGateways);
    // A deleted gateway stays listed for an hour; it is gone for every purpose of hoist.
    return owned(ctx, all.filter((n) => n.State !== 'deleted' && n.State !== 'failed'));
  });
}

export function listSecurityGroups(ctx: AwsContext): Promise<Listed<SecurityGroup>[]> {
  return ctx.listings.get('securityGroups', async () =>
    owned(ctx, await collect(paginateDescribeSecurityGroups({ client: ctx.clients.ec2, pageSize: 1000 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.SecurityGroups)),
  );
}

export function listKeyPairs(ctx: AwsContext): Promise<Listed<KeyPairInfo>[]> {
  return ctx.listings.get('keyPairs', async () =>
    owned(ctx, (await ctx.clients.ec2.send(new DescribeKeyPairsCommand({ Filters: ownedFilter(ctx.cluster), IncludePublicKey: true }))).KeyPairs ?? []),
  );
}

export function listVolumes(ctx: AwsContext): Promise<Listed<Volume>[]> {
  return ctx.listings.get('volumes', async () =>
    owned(ctx, await collect(paginateDescribeVolumes({ client: ctx.clients.ec2, pageSize: 500 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.Volumes)),
  );
}

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/** Instances of the cluster that are not terminated: listed only when tearing down. */
export function listInstances(ctx: AwsContext): Promise<Listed<Instance>[]> {
  return ctx.listings.get('instances', async () => {
    const filters = [...ownedFilter(ctx.cluster), { Name: 'instance-state-name', Values: LIVE_STATES }];
    const reservations = await collect(paginateDescribeInstances({ client: ctx.clients.ec2, pageSize: 1000 }, { Filters: filters }), (p) => p.Reservations);
    return owned(ctx, reservations.flatMap((r) => r.Instances ?? []).filter((i) => LIVE_STATES.includes(i.State?.Name ?? '')));
  });
}

/**
 * Network interfaces a cluster leaves behind: tagged as the cluster's, or detached in one of its
 * subnets (a CNI's secondary interfaces). Interfaces AWS manages (NAT, load balancers) go with
 * their owners. Listed only when tearing down.
 */
export function listNetworkInterfaces(ctx: AwsContext): Promise<Listed<NetworkInterface>[]> {
  return ctx.listings.get('networkInterfaces', async () => {
    const ec2 = ctx.clients.ec2;
    const subnets = (await listSubnets(ctx)).filter((s) => s.owner !== undefined).map((s) => s.item.SubnetId!);
    const [tagged, detached] = await Promise.all([
      collect(paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 1000 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.NetworkInterfaces),
      subnets.length === 0
        ? []
        : collect(
            paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 1000 }, { Filters: [{ Name: 'subnet-id', Values: subnets }, { Name: 'status', Values: ['available'] }] }),
            (p) => p.NetworkInterfaces,
          ),
    ]);
    const byId = new Map<string, Listed<NetworkInterface>>();
    for (const eni of tagged) byId.set(eni.NetworkInterfaceId!, { item: eni, owner: ownership(tagMap(eni.TagSet), ctx.cluster) ?? 'kubernetes' });
    for (const eni of detached) if (eni.Status === 'available' && !eni.RequesterManaged) byId.set(eni.NetworkInterfaceId!, { item: eni, owner: 'kubernetes' });
    return [...byId.values()].filter((e) => !e.item.RequesterManaged);
  });
}
