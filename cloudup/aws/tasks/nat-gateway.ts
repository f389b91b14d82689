/**
 * NatGateway of a private topology, in a utility subnet (CreateNatGateway, public
 * connectivity). Created with a client token; deleting waits
 * until AWS says it is deleted, so that its subnet and address can go next.
 */

import { CreateNatGatewayCommand, DeleteNatGatewayCommand, DescribeNatGatewaysCommand } from '@aws-sdk/client-ec2';
import { NotReadyError } from '../../../src/engine/executor.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { clientToken } from '../context.js';
import { listNatGateways } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface NatGatewayFields {
  readonly subnetId: string;
  /** The Elastic IP's allocation id. */
  readonly allocationId: string;
  readonly tags: TagMap;
}

export const natGatewayTask = taskConstructor<NatGatewayFields>('NatGateway');

export const natGatewayKind = awsKind<NatGatewayFields>({
  kind: 'NatGateway',
  uses: ['Subnet', 'ElasticIP', 'InternetGateway'],
  immutable: ['subnetId', 'allocationId'],
  list: async (ctx) =>
    (await listNatGateways(ctx)).map((n) =>
      liveObject(ctx, n, n.item.NatGatewayId!, tagMap(n.item.Tags), {
        subnetId: n.item.SubnetId ?? '',
        allocationId: n.item.NatGatewayAddresses?.[0]?.AllocationId ?? '',
      }),
    ),
  async create(ctx, task, d) {
    // The same token on a retry: AWS returns the gateway it made instead of a second one.
    const token = clientToken(ctx, task.name);
    const out = await ctx.clients.ec2.send(
      new CreateNatGatewayCommand({ SubnetId: d.subnetId, AllocationId: d.allocationId, ClientToken: token, TagSpecifications: tagSpec('natgateway', d.tags) }),
    );
    return liveObject(ctx, { owner: 'hoist' }, out.NatGateway!.NatGatewayId!, d.tags, { subnetId: d.subnetId, allocationId: d.allocationId });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: live.id }));
    const state = (await ctx.clients.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [live.id] }))).NatGateways?.[0]?.State;
    if (state !== undefined && state !== 'deleted') throw new NotReadyError(`NAT gateway ${live.id} is ${state}`);
  },
});
