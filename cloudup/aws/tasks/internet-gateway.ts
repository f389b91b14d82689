/**
 * InternetGateway, attachment included (AttachInternetGateway).
 * The gateway of a shared VPC is found through its attachment, named by the VPC's id, and is
 * never changed or deleted.
 */

import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DetachInternetGatewayCommand,
} from '@aws-sdk/client-ec2';
import type { InternetGateway } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listInternetGateways } from '../listings/ec2.js';
import type { Listed } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields, liveFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface InternetGatewayFields {
  readonly vpcId: string;
  /** Absent on the gateway of a shared VPC. */
  readonly tags?: TagMap;
}

export const internetGatewayTask = taskConstructor<InternetGatewayFields>('InternetGateway');

function toLive(ctx: AwsContext, g: Listed<InternetGateway>) {
  const vpcId = g.item.Attachments?.find((a) => a.State === 'attached' || (a.State as string | undefined) === 'available')?.VpcId ?? '';
  const live = liveObject(ctx, g, g.item.InternetGatewayId!, tagMap(g.item.Tags), { vpcId });
  return g.owner === undefined ? { ...live, name: vpcId } : live;
}

async function attach(ctx: AwsContext, gatewayId: string, vpcId: string): Promise<void> {
  try {
    await ctx.clients.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpcId }));
  } catch (e) {
    // Attached by an attempt whose answer was lost.
    if (!hasName(e, 'Resource.AlreadyAssociated')) throw e;
  }
}

export const internetGatewayKind = awsKind<InternetGatewayFields>({
  kind: 'InternetGateway',
  uses: ['VPC'],
  immutable: [],
  list: async (ctx) => (await listInternetGateways(ctx)).map((g) => toLive(ctx, g)),
  async create(ctx, _task, d) {
    const out = await ctx.clients.ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpec('internet-gateway', d.tags ?? {}) }));
    const id = out.InternetGateway!.InternetGatewayId!;
    await attach(ctx, id, d.vpcId);
    return liveObject(ctx, { owner: 'hoist' }, id, d.tags ?? {}, { vpcId: d.vpcId });
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('vpcId')) {
      const from = liveFields<InternetGatewayFields>(live).vpcId;
      if (from !== '') await ctx.clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: live.id, VpcId: from }));
      await attach(ctx, live.id, d.vpcId);
    }
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, d.tags ?? {}, liveTags(live));
    return { ...live, fields: { ...live.fields, vpcId: d.vpcId } };
  },
  async delete(ctx, live) {
    const vpcId = liveFields<InternetGatewayFields>(live).vpcId;
    if (vpcId !== '') {
      try {
        await ctx.clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: live.id, VpcId: vpcId }));
      } catch (e) {
        if (!hasName(e, 'Gateway.NotAttached')) throw e;
      }
    }
    await ctx.clients.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: live.id }));
  },
});
