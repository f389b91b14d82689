/**
 * The network of an AWS cluster, as kops lays it out: a VPC (or a shared one), a subnet per
 * spec subnet, an internet gateway, one public route table for the Public and Utility subnets,
 * and for a private topology a NAT gateway with an Elastic IP per zone (in the zone's utility
 * subnet) and a private route table per zone. Subnets given by id are shared: hoist neither
 * changes them nor routes them.
 */

import type { CompletedSpec, Subnet } from '../../../src/api/index.js';
import { ValidationError } from '../../../src/errors.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { routeName } from '../tasks/route.js';
import { vpcTask } from '../tasks/vpc.js';
import { natName, privateRouteTableName, publicRouteTableName, subnetName, vpcName } from './names.js';
import { named } from './tags.js';

export interface Network {
  readonly tasks: Task[];
  readonly vpc: TaskId;
  /** The task of each spec subnet, by the subnet's name. */
  readonly subnets: ReadonlyMap<string, TaskId>;
}

const SUBNET_ROLE_TAGS: Readonly<Record<Subnet['type'], Record<string, string>>> = {
  // Where Kubernetes puts load balancers of Services: public ones in Public and Utility subnets.
  Public: { SubnetType: 'Public', 'kubernetes.io/role/elb': '1' },
  Utility: { SubnetType: 'Utility', 'kubernetes.io/role/elb': '1' },
  Private: { SubnetType: 'Private', 'kubernetes.io/role/internal-elb': '1' },
};

export function networkTasks(spec: CompletedSpec): Network {
  const c = spec.cluster.spec;
  const cluster = spec.cluster.metadata.name;
  const tasks: Task[] = [];
  const sharedVpc = c.networkID !== undefined;
  const vpc = sharedVpc
    ? vpcTask(c.networkID!, { cidrBlock: c.networkCIDR }, { lifecycle: 'ExistsAndValidates' })
    : vpcTask(vpcName(cluster), { cidrBlock: c.networkCIDR, enableDnsSupport: true, enableDnsHostnames: true, tags: named(spec, vpcName(cluster)) });
  const vpcId = idOf(vpc);
  tasks.push(vpc);

  const subnets = new Map<string, TaskId>();
  for (const s of c.subnets) {
    const task: Task = s.id
      ? { kind: 'Subnet', name: s.id, lifecycle: 'ExistsAndValidates', dependsOn: [vpcId], desired: { vpcId: ref(vpcId), ...(s.zone ? { availabilityZone: s.zone } : {}) } }
      : {
          kind: 'Subnet',
          name: subnetName(s.name, cluster),
          lifecycle: 'Sync',
          dependsOn: [vpcId],
          desired: { vpcId: ref(vpcId), cidrBlock: s.cidr ?? '', availabilityZone: s.zone ?? '', tags: named(spec, subnetName(s.name, cluster), SUBNET_ROLE_TAGS[s.type]) },
        };
    subnets.set(s.name, idOf(task));
    tasks.push(task);
  }

  const own = c.subnets.filter((s) => s.id === undefined);
  const publicOnes = own.filter((s) => s.type !== 'Private');
  const associate = (s: Subnet, table: TaskId): Task => ({
    kind: 'RouteTableAssociation',
    name: subnetName(s.name, cluster),
    lifecycle: 'Sync',
    dependsOn: [table, subnets.get(s.name)!],
    desired: { routeTableId: ref(table), subnetId: ref(subnets.get(s.name)!) },
  });
  const table = (name: string, scope: string): Task => ({
    kind: 'RouteTable',
    name,
    lifecycle: 'Sync',
    dependsOn: [vpcId],
    desired: { vpcId: ref(vpcId), tags: named(spec, name, { 'hoist.dev/route-table': scope }) },
  });

  let gateway: TaskId | undefined;
  if (publicOnes.length > 0) {
    const igw: Task = sharedVpc
      ? { kind: 'InternetGateway', name: c.networkID!, lifecycle: 'ExistsAndValidates', dependsOn: [vpcId], desired: { vpcId: ref(vpcId) } }
      : { kind: 'InternetGateway', name: vpcName(cluster), lifecycle: 'Sync', dependsOn: [vpcId], desired: { vpcId: ref(vpcId), tags: named(spec, vpcName(cluster)) } };
    gateway = idOf(igw);
    const rt = table(publicRouteTableName(cluster), 'public');
    const rtId = idOf(rt);
    const route: Task = {
      kind: 'Route',
      name: routeName('0.0.0.0/0', rt.name),
      lifecycle: 'Sync',
      dependsOn: [rtId, gateway],
      desired: { routeTableId: ref(rtId), destinationCidrBlock: '0.0.0.0/0', gatewayId: ref(gateway) },
    };
    tasks.push(igw, rt, route, ...publicOnes.map((s) => associate(s, rtId)));
  }

  const privateZones = [...new Set(own.filter((s) => s.type === 'Private').map((s) => s.zone ?? ''))].sort();
  for (const zone of privateZones) {
    const inZone = own.filter((s) => s.type === 'Private' && s.zone === zone);
    const egress = inZone.find((s) => s.egress !== undefined)?.egress;
    if (egress === 'External') continue;
    const rt = table(privateRouteTableName(zone, cluster), `private-${zone}`);
    const rtId = idOf(rt);
    tasks.push(rt, ...inZone.map((s) => associate(s, rtId)));
    const route = (target: Record<string, ReturnType<typeof ref> | string>, deps: TaskId[]): Task => ({
      kind: 'Route',
      name: routeName('0.0.0.0/0', rt.name),
      lifecycle: 'Sync',
      dependsOn: [rtId, ...deps],
      desired: { routeTableId: ref(rtId), destinationCidrBlock: '0.0.0.0/0', ...target },
    });
    if (egress !== undefined) {
      if (!egress.startsWith('nat-')) throw egressProblem(spec, inZone[0]!, egress);
      tasks.push(route({ natGatewayId: egress }, []));
      continue;
    }
    const home = natSubnet(c.subnets, zone);
    if (!home || !gateway) throw egressProblem(spec, inZone[0]!, undefined);
    const eip: Task = { kind: 'ElasticIP', name: natName(zone, cluster), lifecycle: 'Sync', dependsOn: [], desired: { domain: 'vpc', tags: named(spec, natName(zone, cluster)) } };
    const homeId = subnets.get(home.name)!;
    const nat: Task = {
      kind: 'NatGateway',
      name: natName(zone, cluster),
      lifecycle: 'Sync',
      dependsOn: [homeId, idOf(eip), gateway],
      desired: { subnetId: ref(homeId), allocationId: ref(idOf(eip)), tags: named(spec, natName(zone, cluster)) },
    };
    tasks.push(eip, nat, route({ natGatewayId: ref(idOf(nat)) }, [idOf(nat)]));
  }
  return { tasks, vpc: vpcId, subnets };
}

/** The NAT of a zone sits in its utility subnet (or a public one), else in the first utility subnet. */
function natSubnet(all: readonly Subnet[], zone: string): Subnet | undefined {
  const candidates = all.filter((s) => s.type !== 'Private');
  return candidates.find((s) => s.type === 'Utility' && s.zone === zone) ?? candidates.find((s) => s.zone === zone) ?? candidates.find((s) => s.type === 'Utility');
}

function egressProblem(spec: CompletedSpec, subnet: Subnet, egress: string | undefined): ValidationError {
  const index = spec.cluster.spec.subnets.indexOf(subnet);
  return new ValidationError(`the network of ${spec.cluster.metadata.name}`, [
    egress === undefined
      ? { path: `spec.subnets[${index}]`, value: subnet.name, message: 'is private, but the cluster has no Utility or Public subnet hoist manages to put its NAT gateway in', fix: 'add a Utility subnet in its zone, or set egress to an existing NAT gateway (nat-…) or External' }
      : { path: `spec.subnets[${index}].egress`, value: egress, message: 'is not an egress hoist supports on aws', fix: 'use a NAT gateway id (nat-…), External, or leave it unset for a NAT gateway of hoist' },
  ]);
}
