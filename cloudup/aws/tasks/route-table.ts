/** RouteTable (CreateRouteTable). Its routes and associations are kinds of their own. */

import { CreateRouteTableCommand, DeleteRouteTableCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { clientToken } from '../context.js';
import { listRouteTables } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface RouteTableFields {
  readonly vpcId: string;
  readonly tags: TagMap;
}

export const routeTableTask = taskConstructor<RouteTableFields>('RouteTable');

export const routeTableKind = awsKind<RouteTableFields>({
  kind: 'RouteTable',
  uses: ['VPC'],
  immutable: ['vpcId'],
  list: async (ctx) => (await listRouteTables(ctx)).map((t) => liveObject(ctx, t, t.item.RouteTableId!, tagMap(t.item.Tags), { vpcId: t.item.VpcId ?? '' })),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateRouteTableCommand({ VpcId: d.vpcId, TagSpecifications: tagSpec('route-table', d.tags), ClientToken: clientToken(ctx, task.name) }),
    );
    return liveObject(ctx, { owner: 'hoist' }, out.RouteTable!.RouteTableId!, d.tags, { vpcId: d.vpcId });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteRouteTableCommand({ RouteTableId: live.id }));
  },
});
