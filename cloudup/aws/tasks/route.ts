/**
 * Route in a route table (CreateRoute), to an IPv4 range or an IPv6 one. Routes have no tags:
 * they are read from the listing of the cluster's route tables and named
 * `<destination>.<route table name>`.
 */

import { CreateRouteCommand, DeleteRouteCommand, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import type { CreateRouteRequest, Route } from '@aws-sdk/client-ec2';
import type { ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listRouteTables } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind, liveFields } from './kind.js';

/** One destination: an IPv4 range, or an IPv6 one. */
export type RouteFields = RouteTarget &
  ({ readonly destinationCidrBlock: string; readonly destinationIpv6CidrBlock?: never } | { readonly destinationIpv6CidrBlock: string; readonly destinationCidrBlock?: never });

/**
 * The target, one of these: an internet gateway, a NAT gateway or an egress-only internet
 * gateway (IPv6) of hoist's or given by id; and, for a subnet's additionalRoutes, a transit
 * gateway, a VPC peering connection, an instance or a Gateway Load Balancer endpoint, by id.
 */
interface RouteTarget {
  readonly routeTableId: string;
  readonly gatewayId?: string;
  readonly natGatewayId?: string;
  readonly egressOnlyInternetGatewayId?: string;
  readonly transitGatewayId?: string;
  readonly vpcPeeringConnectionId?: string;
  readonly instanceId?: string;
  readonly vpcEndpointId?: string;
}

export const routeTask = taskConstructor<RouteFields>('Route');

export const routeName = (destination: string, routeTable: string): string => `${destination}.${routeTable}`;

/** The target field a route to `id` (of an object hoist does not make) sets, by the id's prefix. */
export function routeTargetOf(id: string): Omit<RouteTarget, 'routeTableId'> {
  const prefix = id.slice(0, id.indexOf('-'));
  switch (prefix) {
    case 'tgw': return { transitGatewayId: id };
    case 'pcx': return { vpcPeeringConnectionId: id };
    case 'nat': return { natGatewayId: id };
    case 'i': return { instanceId: id };
    case 'eigw': return { egressOnlyInternetGatewayId: id };
    case 'vpce': return { vpcEndpointId: id };
    default: return { gatewayId: id };
  }
}

type TargetInput = Pick<CreateRouteRequest, 'GatewayId' | 'NatGatewayId' | 'EgressOnlyInternetGatewayId' | 'TransitGatewayId' | 'VpcPeeringConnectionId' | 'InstanceId' | 'VpcEndpointId'>;

function target(d: RouteFields): TargetInput {
  if (d.egressOnlyInternetGatewayId) return { EgressOnlyInternetGatewayId: d.egressOnlyInternetGatewayId };
  if (d.transitGatewayId) return { TransitGatewayId: d.transitGatewayId };
  if (d.vpcPeeringConnectionId) return { VpcPeeringConnectionId: d.vpcPeeringConnectionId };
  if (d.instanceId) return { InstanceId: d.instanceId };
  if (d.vpcEndpointId) return { VpcEndpointId: d.vpcEndpointId };
  return d.natGatewayId ? { NatGatewayId: d.natGatewayId } : { GatewayId: d.gatewayId };
}

/**
 * A live route's target as a task desires it. EC2 lists an instance's route with the instance's
 * network interface as well (the instance is what was asked for), and a Gateway Load Balancer
 * endpoint's as a gateway.
 */
function liveTarget(r: Route): ResolvedFields {
  if (r.EgressOnlyInternetGatewayId) return { egressOnlyInternetGatewayId: r.EgressOnlyInternetGatewayId };
  if (r.NatGatewayId) return { natGatewayId: r.NatGatewayId };
  if (r.TransitGatewayId) return { transitGatewayId: r.TransitGatewayId };
  if (r.VpcPeeringConnectionId) return { vpcPeeringConnectionId: r.VpcPeeringConnectionId };
  if (r.InstanceId) return { instanceId: r.InstanceId };
  if (r.GatewayId?.startsWith('vpce-')) return { vpcEndpointId: r.GatewayId };
  return { gatewayId: r.GatewayId ?? '' };
}

function destination(d: RouteFields): { DestinationCidrBlock: string } | { DestinationIpv6CidrBlock: string } {
  return d.destinationIpv6CidrBlock ? { DestinationIpv6CidrBlock: d.destinationIpv6CidrBlock } : { DestinationCidrBlock: d.destinationCidrBlock ?? '' };
}

/** The fields as the engine keeps them: no key set to undefined. */
const asFields = (d: RouteFields): ResolvedFields => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as ResolvedFields;

const destinationOf = (d: RouteFields): string => d.destinationIpv6CidrBlock ?? d.destinationCidrBlock ?? '';

export const routeKind = awsKind<RouteFields>({
  kind: 'Route',
  uses: ['RouteTable', 'InternetGateway', 'NatGateway', 'EgressOnlyInternetGateway'],
  immutable: ['routeTableId', 'destinationCidrBlock', 'destinationIpv6CidrBlock'],
  async list(ctx) {
    return (await listRouteTables(ctx)).flatMap((t) => {
      const tableName = tagMap(t.item.Tags)['Name'] ?? t.item.RouteTableId!;
      const shared = t.owner === 'kubernetes' && ctx.mode.reconciling;
      return (t.item.Routes ?? [])
        .filter((r) => r.Origin === 'CreateRoute' && (r.DestinationCidrBlock !== undefined || r.DestinationIpv6CidrBlock !== undefined))
        .map((r) => {
          const to = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock!;
          const via = liveTarget(r);
          const fields: ResolvedFields = {
            routeTableId: t.item.RouteTableId!,
            ...(r.DestinationCidrBlock !== undefined ? { destinationCidrBlock: to } : { destinationIpv6CidrBlock: to }),
            ...via,
          };
          return {
            id: `${t.item.RouteTableId}:${to}`,
            name: routeName(to, tableName),
            fields,
            outputs: { id: `${t.item.RouteTableId}:${to}` },
            ...(shared ? { shared: true } : {}),
          };
        });
    });
  },
  async create(ctx, task, d) {
    const input = { RouteTableId: d.routeTableId, ...destination(d), ...target(d) };
    try {
      await ctx.clients.ec2.send(new CreateRouteCommand(input));
    } catch (e) {
      // A route to the same place exists (made by an attempt whose answer was lost): point it here.
      if (!hasName(e, 'RouteAlreadyExists')) throw e;
      await ctx.clients.ec2.send(new ReplaceRouteCommand(input));
    }
    const id = `${input.RouteTableId}:${destinationOf(d)}`;
    return { id, name: task.name, fields: asFields(d), outputs: { id } };
  },
  async update(ctx, _task, live, d) {
    await ctx.clients.ec2.send(new ReplaceRouteCommand({ RouteTableId: d.routeTableId, ...destination(d), ...target(d) }));
    return { ...live, fields: asFields(d) };
  },
  async delete(ctx, live) {
    const f = liveFields<RouteFields>(live);
    await ctx.clients.ec2.send(new DeleteRouteCommand({ RouteTableId: f.routeTableId, ...destination(f) }));
  },
});
