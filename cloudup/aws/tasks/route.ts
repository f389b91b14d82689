/**
 * Route in a route table. Desired: `routeTableId`, `destinationCidrBlock`, and the target:
 * `gatewayId` or `natGatewayId` (CreateRoute). Routes have no tags: they are read from the
 * listing of the cluster's route tables and named `<destination>.<route table name>`.
 */

import { CreateRouteCommand, DeleteRouteCommand, ReplaceRouteCommand } from '@aws-sdk/client-ec2';
import type { ResolvedFields } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listRouteTables } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind, optStr, str } from './kind.js';

export const routeName = (destination: string, routeTable: string): string => `${destination}.${routeTable}`;

function target(d: ResolvedFields): { GatewayId?: string; NatGatewayId?: string } {
  const nat = optStr(d, 'natGatewayId');
  return nat ? { NatGatewayId: nat } : { GatewayId: str(d, 'gatewayId') };
}

export const routeKind = awsKind({
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
    const input = { RouteTableId: str(d, 'routeTableId'), DestinationCidrBlock: str(d, 'destinationCidrBlock'), ...target(d) };
    try {
      await ctx.clients.ec2.send(new CreateRouteCommand(input));
    } catch (e) {
      // A route to the same place exists (made by an attempt whose answer was lost): point it here.
      if (!hasName(e, 'RouteAlreadyExists')) throw e;
      await ctx.clients.ec2.send(new ReplaceRouteCommand(input));
    }
    const id = `${input.RouteTableId}:${input.DestinationCidrBlock}`;
    return { id, name: task.name, fields: d, outputs: { id } };
  },
  async update(ctx, _task, live, d) {
    await ctx.clients.ec2.send(new ReplaceRouteCommand({ RouteTableId: str(d, 'routeTableId'), DestinationCidrBlock: str(d, 'destinationCidrBlock'), ...target(d) }));
    return { ...live, fields: d };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteRouteCommand({ RouteTableId: str(live.fields, 'routeTableId'), DestinationCidrBlock: str(live.fields, 'destinationCidrBlock') }));
  },
});
