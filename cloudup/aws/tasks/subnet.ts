/**
 * Subnet (CreateSubnet). Outputs: `id`, `availabilityZone`. A subnet given by id is shared:
 * checked (ExistsAndValidates), never changed or deleted.
 */

import { CreateSubnetCommand, DeleteSubnetCommand } from '@aws-sdk/client-ec2';
import type { Subnet } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { listSubnets } from '../listings/ec2.js';
import type { Listed } from '../listings/ec2.js';
import { awsTags, tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface SubnetFields {
  readonly vpcId: string;
  /** Absent on a shared subnet: not compared. */
  readonly cidrBlock?: string;
  /** Absent on a shared subnet whose zone the spec does not say. */
  readonly availabilityZone?: string;
  readonly tags?: TagMap;
}

export const subnetTask = taskConstructor<SubnetFields>('Subnet');

function toLive(ctx: AwsContext, s: Listed<Subnet>) {
  return liveObject(
    ctx,
    s,
    s.item.SubnetId!,
    tagMap(s.item.Tags),
    { vpcId: s.item.VpcId ?? '', cidrBlock: s.item.CidrBlock ?? '', availabilityZone: s.item.AvailabilityZone ?? '' },
    { availabilityZone: s.item.AvailabilityZone ?? '' },
  );
}

export const subnetKind = awsKind<SubnetFields>({
  kind: 'Subnet',
  uses: ['VPC'],
  immutable: ['vpcId', 'cidrBlock', 'availabilityZone'],
  list: async (ctx) => (await listSubnets(ctx)).map((s) => toLive(ctx, s)),
  async create(ctx, _task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateSubnetCommand({ VpcId: d.vpcId, CidrBlock: d.cidrBlock, AvailabilityZone: d.availabilityZone, TagSpecifications: tagSpec('subnet', d.tags ?? {}) }),
    );
    return toLive(ctx, { item: { ...out.Subnet!, Tags: awsTags(d.tags ?? {}) }, owner: 'hoist' });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags ?? {}, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: live.id }));
  },
});
