/**
 * RouteTableAssociation of a subnet (AssociateRouteTable).
 * Read from the listing of the cluster's route tables, and named like its subnet's task.
 */

import { AssociateRouteTableCommand, DisassociateRouteTableCommand, ReplaceRouteTableAssociationCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { listRouteTables, listSubnets } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind } from './kind.js';

export interface RouteTableAssociationFields {
  readonly routeTableId: string;
  readonly subnetId: string;
}

export const routeTableAssociationTask = taskConstructor<RouteTableAssociationFields>('RouteTableAssociation');

export const routeTableAssociationKind = awsKind<RouteTableAssociationFields>({
  kind: 'RouteTableAssociation',
  uses: ['RouteTable', 'Subnet'],
  immutable: ['subnetId'],
  async list(ctx) {
    const [tables, subnets] = await Promise.all([listRouteTables(ctx), listSubnets(ctx)]);
    const subnetName = new Map(subnets.map((s) => [s.item.SubnetId, s.owner === undefined ? s.item.SubnetId! : (tagMap(s.item.Tags)['Name'] ?? s.item.SubnetId!)]));
    return tables.flatMap((t) =>
      (t.item.Associations ?? [])
        .filter((a) => !a.Main && a.SubnetId && a.AssociationState?.State !== 'disassociated')
        .map((a) => ({
          id: a.RouteTableAssociationId!,
          name: subnetName.get(a.SubnetId) ?? a.SubnetId!,
          fields: { routeTableId: t.item.RouteTableId!, subnetId: a.SubnetId! },
          outputs: { id: a.RouteTableAssociationId! },
          ...(t.owner === 'kubernetes' && ctx.mode.reconciling ? { shared: true } : {}),
        })),
    );
  },
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(new AssociateRouteTableCommand({ RouteTableId: d.routeTableId, SubnetId: d.subnetId }));
    return { id: out.AssociationId!, name: task.name, fields: { ...d }, outputs: { id: out.AssociationId! } };
  },
  async update(ctx, _task, live, d) {
    const out = await ctx.clients.ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: live.id, RouteTableId: d.routeTableId }));
    return { ...live, id: out.NewAssociationId ?? live.id, fields: { ...d } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DisassociateRouteTableCommand({ AssociationId: live.id }));
  },
});
