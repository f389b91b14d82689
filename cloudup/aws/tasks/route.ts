/**
 * Route in a route table (CreateRoute). Routes have no tags: they are read from the
 * listing of the cluster's route tables and named `<destination>.<route table name>`.
 */

import { CreateRouteCommand, DeleteRouteCommand, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listRouteTables } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind, liveFields } from './kind.js';

export interface RouteFields {
  readonly routeTableId: string;
  readonly destinationCidrBlock: string;
  /** The target: an internet gateway, or a NAT gateway. */
  readonly gatewayId?: string;
  readonly natGatewayId?: string;
}

export const routeTask = taskConstructor<RouteFields>('Route');

export const routeName = (destination: string, routeTable: string): string => `${destination}.${routeTable}`;

function target(d: RouteFields): { GatewayId?: string; NatGatewayId?: string } {
  return d.natGatewayId ? { NatGatewayId: d.natGatewayId } : { GatewayId: d.gatewayId };
}

export const routeKind = awsKind<RouteFields>({
  kind: 'Route',
  uses: ['RouteTable', 'InternetGateway', 'NatGateway'],
  immutable: ['routeTableId', 'destinationCidrBlock'],
  async list(ctx) {
    return (await listRouteTables(ctx)).flatMap((t) => {
      const tableName = tagMap(t.item.Tags)['Name'] ?? t.item.RouteTableId!;
      const shared = t.owner === 'kubernetes' && ctx.mode.reconciling;
      return (t.item.Routes ?? [])
        .filter((r) => r.Origin === 'CreateRoute' && r.DestinationCidrBlock !== undefined)
        .map((r) => ({
          id: `${t.item.RouteTableId}:${r.DestinationCidrBlock}`,
          name: routeName(r.DestinationCidrBlock!, tableName),
          fields: {
            routeTableId: t.item.RouteTableId!,
            destinationCidrBlock: r.DestinationCidrBlock!,
            ...(r.NatGatewayId ? { natGatewayId: r.NatGatewayId } : { gatewayId: r.GatewayId ?? '' }),
          },
          outputs: { id: `${t.item.RouteTableId}:${r.DestinationCidrBlock}` },
          ...(shared ? { shared: true } : {}),
        }));
    });
  },
  async create(ctx, task, d) {
    const input = { RouteTableId: d.routeTableId, DestinationCidrBlock: d.destinationCidrBlock, ...target(d) };
    try {
      await ctx.clients.ec2.send(new CreateRouteCommand(input));
    } catch (e) {
      // A route to the same place exists (made by an attempt whose answer was lost): point it here.
      if (!hasName(e, 'RouteAlreadyExists')) throw e;
      await ctx.clients.ec2.send(new ReplaceRouteCommand(input));
    }
    const id = `${input.RouteTableId}:${input.DestinationCidrBlock}`;
    return { id, name: task.name, fields: { ...d }, outputs: { id } };
  },
  async update(ctx, _task, live, d) {
    await ctx.clients.ec2.send(new ReplaceRouteCommand({ RouteTableId: d.routeTableId, DestinationCidrBlock: d.destinationCidrBlock, ...target(d) }));
    return { ...live, fields: { ...d } };
  },
  async delete(ctx, live) {
    const f = liveFields<RouteFields>(live);
    await ctx.clients.ec2.send(new DeleteRouteCommand({ RouteTableId: f.routeTableId, DestinationCidrBlock: f.destinationCidrBlock }));
  },
});
