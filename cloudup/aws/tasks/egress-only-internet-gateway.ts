/**
 * EgressOnlyInternetGateway (CreateEgressOnlyInternetGateway): the way out of a VPC for the IPv6
 * addresses of private subnets, which keeps the internet from reaching in (the NAT gateway's
 * part for IPv4). Made in the VPC; it cannot move, so a change of VPC replaces it.
 */

import { CreateEgressOnlyInternetGatewayCommand, DeleteEgressOnlyInternetGatewayCommand, paginateDescribeEgressOnlyInternetGateways } from '@aws-sdk/client-ec2';
import type { EgressOnlyInternetGateway } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { clientToken } from '../context.js';
import { collect, owned } from '../listings/ec2.js';
import type { Listed } from '../listings/ec2.js';
import { ownedFilter, tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface EgressOnlyInternetGatewayFields {
  readonly vpcId: string;
  readonly tags: TagMap;
}

export const egressOnlyInternetGatewayTask = taskConstructor<EgressOnlyInternetGatewayFields>('EgressOnlyInternetGateway');

/** The cluster's gateways, once per plan; `owned` checks the tags again (moto 5.2.1 ignores the tag filter here). */
function listEgressOnlyGateways(ctx: AwsContext): Promise<Listed<EgressOnlyInternetGateway>[]> {
  return ctx.listings.get('egressOnlyInternetGateways', async () =>
    owned(ctx, await collect(paginateDescribeEgressOnlyInternetGateways({ client: ctx.clients.ec2, pageSize: 255 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.EgressOnlyInternetGateways)),
  );
}

export const egressOnlyInternetGatewayKind = awsKind<EgressOnlyInternetGatewayFields>({
  kind: 'EgressOnlyInternetGateway',
  uses: ['VPC'],
  immutable: ['vpcId'],
  list: async (ctx) =>
    (await listEgressOnlyGateways(ctx)).map((g) =>
      liveObject(ctx, g, g.item.EgressOnlyInternetGatewayId!, tagMap(g.item.Tags), { vpcId: g.item.Attachments?.find((a) => a.State === 'attached')?.VpcId ?? '' }),
    ),
  async create(ctx, task, d) {
    // The same token on a retry: AWS returns the gateway it made instead of a second one.
    const out = await ctx.clients.ec2.send(
      new CreateEgressOnlyInternetGatewayCommand({ VpcId: d.vpcId, ClientToken: clientToken(ctx, task.name), TagSpecifications: tagSpec('egress-only-internet-gateway', d.tags) }),
    );
    return liveObject(ctx, { owner: 'hoist' }, out.EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!, d.tags, { vpcId: d.vpcId });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: live.id }));
  },
});
