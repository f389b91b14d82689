/** RouteTable. Desired: `vpcId` (CreateRouteTable), `tags`. Its routes and associations are kinds of their own. */

import { CreateRouteTableCommand, DeleteRouteTableCommand } from '@aws-sdk/client-ec2';
import { clientToken } from '../context.js';
import { listRouteTables } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import { awsKind, changedFields, map, str } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export const routeTableKind = awsKind({
  kind: 'RouteTable',
  uses: ['VPC'],
  immutable: ['vpcId'],
  list: async (ctx) => (await listRouteTables(ctx)).map((t) => liveObject(ctx, t, t.item.RouteTableId!, tagMap(t.item.Tags), { vpcId: t.item.VpcId ?? '' })),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateRouteTableCommand({ VpcId: str(d, 'vpcId'), TagSpecifications: tagSpec('route-table', map(d, 'tags')), ClientToken: clientToken(ctx, task.name) }),
    );
    return liveObject(ctx, { owner: 'hoist' }, out.RouteTable!.RouteTableId!, map(d, 'tags'), { vpcId: str(d, 'vpcId') });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, map(d, 'tags'), liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteRouteTableCommand({ RouteTableId: live.id }));
  },
});
