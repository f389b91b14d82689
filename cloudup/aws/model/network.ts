/**
 * The network of an AWS cluster, as kops lays it out: a VPC (or a shared one), a subnet per
 * spec subnet, an internet gateway, one public route table for the Public and Utility subnets,
 * and for a private topology a NAT gateway with an Elastic IP per zone (in the zone's utility
 * subnet) and a private route table per zone. Subnets given by id are shared: hoist neither
 * changes them nor routes them. The API's validation has refused an egress hoist cannot give.
 *
 * An IPv6 cluster's VPC also gets an IPv6 block from Amazon, each subnet its /64 of it (machines
 * get an address of it at launch), `::/0` routes through the internet gateway from the public
 * route table and through an egress-only internet gateway from the private ones, as kops does.
 *
 * A zone whose Private subnets' egress is a transit gateway (tgw-…) sends its default route there
 * instead, as kops does, and gets no NAT gateway.
 *
 * A Private subnet's additionalRoutes (to transit gateways, peering connections, ... by id) go
 * into its zone's private route table, as in kops; a route that leaves the spec is deleted, as
 * every route in the cluster's route tables that no task asks for.
 */

import { isIpv6Cluster, isPrivateSubnet } from '../../../src/api/index.js';
import type { Subnet } from '../../../src/api/index.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Ref, Task, TaskId } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { egressOnlyInternetGatewayTask } from '../tasks/egress-only-internet-gateway.js';
import { elasticIpTask } from '../tasks/elastic-ip.js';
import { internetGatewayTask } from '../tasks/internet-gateway.js';
import { natGatewayTask } from '../tasks/nat-gateway.js';
import { routeTableAssociationTask } from '../tasks/route-table-association.js';
import { routeTableTask } from '../tasks/route-table.js';
import { routeName, routeTargetOf, routeTask } from '../tasks/route.js';
import { subnetTask } from '../tasks/subnet.js';
import { cidrBlockName, vpcCidrBlockTask } from '../tasks/vpc-cidr-block.js';
import { vpcTask } from '../tasks/vpc.js';
import { natName, privateRouteTableName, publicRouteTableName, subnetName, vpcName } from './names.js';
import { named } from './tags.js';

export interface Network {
  readonly tasks: Task[];
  readonly vpc: TaskId;
  /** The task of each spec subnet, by the subnet's name. */
  readonly subnets: ReadonlyMap<string, TaskId>;
}

/** The well-known prefix of NAT64 (RFC 6052), which an AWS NAT gateway translates to IPv4. */
const NAT64 = '64:ff9b::/96';

const SUBNET_ROLE_TAGS: Readonly<Record<Subnet['type'], Record<string, string>>> = {
  // Where Kubernetes puts load balancers of Services: public ones in Public and Utility subnets.
  Public: { SubnetType: 'Public', 'kubernetes.io/role/elb': '1' },
  Utility: { SubnetType: 'Utility', 'kubernetes.io/role/elb': '1' },
  Private: { SubnetType: 'Private', 'kubernetes.io/role/internal-elb': '1' },
  DualStack: { SubnetType: 'DualStack', 'kubernetes.io/role/internal-elb': '1' },
};

export function networkTasks(spec: SettledSpec): Network {
  const c = spec.cluster.spec;
  const cluster = spec.cluster.metadata.name;
  const tasks: Task[] = [];
  const sharedVpc = c.networkID !== undefined;
  // A shared VPC must hold an IPv6 block already (kops says the same): hoist does not add one.
  const ipv6 = isIpv6Cluster(c);
  const vpc = sharedVpc
    ? vpcTask(c.networkID!, { cidrBlock: c.networkCIDR }, { lifecycle: 'ExistsAndValidates' })
    : vpcTask(vpcName(cluster), { cidrBlock: c.networkCIDR, enableDnsSupport: true, enableDnsHostnames: true, ...(ipv6 ? { amazonProvidedIpv6CidrBlock: true } : {}), tags: named(spec, vpcName(cluster)) });
  const vpcId = idOf(vpc);
  tasks.push(vpc);
  // The VPC's secondary ranges, before any subnet that may lie in one. A shared VPC has its own.
  const ranges = sharedVpc ? [] : [...new Set(c.additionalNetworkCIDRs ?? [])].map((cidr) => vpcCidrBlockTask(cidrBlockName(cidr), { vpcId: ref(vpcId), cidrBlock: cidr }, { dependsOn: [vpcId] }));
  tasks.push(...ranges);
  const subnetDeps = [vpcId, ...ranges.map(idOf)];

  const subnets = new Map<string, TaskId>();
  for (const s of c.subnets) {
    const task = s.id
      ? subnetTask(s.id, { vpcId: ref(vpcId), ...(s.zone ? { availabilityZone: s.zone } : {}) }, { lifecycle: 'ExistsAndValidates', dependsOn: [vpcId] })
      : subnetTask(
          subnetName(s.name, cluster),
          {
            vpcId: ref(vpcId),
            cidrBlock: s.cidr,
            availabilityZone: s.zone ?? '',
            ...(ipv6 && s.ipv6CIDR !== undefined ? { ipv6CidrBlock: s.ipv6CIDR, vpcIpv6CidrBlock: ref(vpcId, 'ipv6CidrBlock'), assignIpv6AddressOnCreation: true } : {}),
            tags: named(spec, subnetName(s.name, cluster), SUBNET_ROLE_TAGS[s.type]),
          },
          { dependsOn: subnetDeps },
        );
    subnets.set(s.name, idOf(task));
    tasks.push(task);
  }

  const own = c.subnets.filter((s) => s.id === undefined);
  const publicOnes = own.filter((s) => !isPrivateSubnet(s));
  const associate = (s: Subnet, table: TaskId): Task =>
    routeTableAssociationTask(subnetName(s.name, cluster), { routeTableId: ref(table), subnetId: ref(subnets.get(s.name)!) }, { dependsOn: [table, subnets.get(s.name)!] });
  const table = (name: string, scope: string): Task => routeTableTask(name, { vpcId: ref(vpcId), tags: named(spec, name, { 'hoist.dev/route-table': scope }) }, { dependsOn: [vpcId] });

  let gateway: TaskId | undefined;
  if (publicOnes.length > 0) {
    const igw = sharedVpc
      ? internetGatewayTask(c.networkID!, { vpcId: ref(vpcId) }, { lifecycle: 'ExistsAndValidates', dependsOn: [vpcId] })
      : internetGatewayTask(vpcName(cluster), { vpcId: ref(vpcId), tags: named(spec, vpcName(cluster)) }, { dependsOn: [vpcId] });
    gateway = idOf(igw);
    const rt = table(publicRouteTableName(cluster), 'public');
    const rtId = idOf(rt);
    const route = routeTask(routeName('0.0.0.0/0', rt.name), { routeTableId: ref(rtId), destinationCidrBlock: '0.0.0.0/0', gatewayId: ref(gateway) }, { dependsOn: [rtId, gateway] });
    tasks.push(igw, rt, route, ...publicOnes.map((s) => associate(s, rtId)));
    if (ipv6) tasks.push(routeTask(routeName('::/0', rt.name), { routeTableId: ref(rtId), destinationIpv6CidrBlock: '::/0', gatewayId: ref(gateway) }, { dependsOn: [rtId, gateway] }));
  }

  const privateOnes = own.filter(isPrivateSubnet);
  const privateZones = [...new Set(privateOnes.map((s) => s.zone ?? ''))].sort();
  // IPv6 out of private subnets: one egress-only gateway of the VPC for every zone hoist routes.
  const routed = privateZones.filter((zone) => privateOnes.find((s) => s.zone === zone && s.egress !== undefined)?.egress !== 'External');
  const eigw = ipv6 && routed.length > 0 ? egressOnlyInternetGatewayTask(vpcName(cluster), { vpcId: ref(vpcId), tags: named(spec, vpcName(cluster)) }, { dependsOn: [vpcId] }) : undefined;
  if (eigw) tasks.push(eigw);
  for (const zone of routed) {
    const inZone = privateOnes.filter((s) => s.zone === zone);
    const egress = inZone.find((s) => s.egress !== undefined)?.egress;
    const rt = table(privateRouteTableName(zone, cluster), `private-${zone}`);
    const rtId = idOf(rt);
    tasks.push(rt, ...inZone.map((s) => associate(s, rtId)), ...additionalRoutes(inZone, rt.name, rtId));
    if (eigw) {
      const to = idOf(eigw);
      tasks.push(routeTask(routeName('::/0', rt.name), { routeTableId: ref(rtId), destinationIpv6CidrBlock: '::/0', egressOnlyInternetGatewayId: ref(to) }, { dependsOn: [rtId, to] }));
    }
    // IPv4 out through the zone's NAT gateway (or transit gateway); in an IPv6 cluster also NAT64
    // (64:ff9b::/96), by which addresses that are IPv6 only reach IPv4 ones, as kops routes it.
    const route = (target: { readonly natGatewayId: string | Ref } | { readonly transitGatewayId: string }, deps: TaskId[]): Task[] => [
      routeTask(routeName('0.0.0.0/0', rt.name), { routeTableId: ref(rtId), destinationCidrBlock: '0.0.0.0/0', ...target }, { dependsOn: [rtId, ...deps] }),
      ...(ipv6 ? [routeTask(routeName(NAT64, rt.name), { routeTableId: ref(rtId), destinationIpv6CidrBlock: NAT64, ...target }, { dependsOn: [rtId, ...deps] })] : []),
    ];
    // A NAT gateway (nat-…) or a transit gateway (tgw-…) given by id, and no NAT gateway of
    // hoist's in the zone: validation refuses any other egress on aws.
    if (egress !== undefined) {
      tasks.push(...route(egress.startsWith('tgw-') ? { transitGatewayId: egress } : { natGatewayId: egress }, []));
      continue;
    }
    const home = natSubnet(c.subnets, zone);
    if (!home || !gateway) throw new HoistError('INTERNAL', `zone ${zone} of ${cluster} has no subnet hoist manages for its NAT gateway: the spec did not go through validateSpecSet`);
    const eip = elasticIpTask(natName(zone, cluster), { domain: 'vpc', tags: named(spec, natName(zone, cluster)) });
    const homeId = subnets.get(home.name)!;
    const nat = natGatewayTask(
      natName(zone, cluster),
      { subnetId: ref(homeId), allocationId: ref(idOf(eip)), tags: named(spec, natName(zone, cluster)) },
      { dependsOn: [homeId, idOf(eip), gateway] },
    );
    tasks.push(eip, nat, ...route({ natGatewayId: ref(idOf(nat)) }, [idOf(nat)]));
  }
  return { tasks, vpc: vpcId, subnets };
}

/**
 * The zone's Private subnets' additionalRoutes, in the route table they share, as kops adds them;
 * one route per destination (the API's rules refuse one destination sent two ways in a zone).
 */
function additionalRoutes(inZone: readonly Subnet[], tableName: string, table: TaskId): Task[] {
  const routes = new Map<string, string>();
  for (const r of inZone.flatMap((s) => s.additionalRoutes ?? [])) if (!routes.has(r.cidr)) routes.set(r.cidr, r.target);
  return [...routes].map(([cidr, target]) => {
    const destination = cidr.includes(':') ? { destinationIpv6CidrBlock: cidr } : { destinationCidrBlock: cidr };
    return routeTask(routeName(cidr, tableName), { routeTableId: ref(table), ...destination, ...routeTargetOf(target) }, { dependsOn: [table] });
  });
}

/** The NAT of a zone sits in its utility subnet (or a public one), else in the first utility subnet. */
function natSubnet(all: readonly Subnet[], zone: string): Subnet | undefined {
  const candidates = all.filter((s) => !isPrivateSubnet(s));
  return candidates.find((s) => s.type === 'Utility' && s.zone === zone) ?? candidates.find((s) => s.zone === zone) ?? candidates.find((s) => s.type === 'Utility');
}
