/**
 * VPCCIDRBlock: a secondary IPv4 range of the cluster's VPC (`spec.additionalNetworkCIDRs`;
 * AssociateVpcCidrBlock), as kops's task of that name. Read from the VPC listing's CIDR block
 * associations, and named by the range. A shared VPC's ranges are its owner's: no task is made.
 */

import { AssociateVpcCidrBlockCommand, DisassociateVpcCidrBlockCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { listVpcs } from '../listings/ec2.js';
import { awsKind } from './kind.js';

export interface VpcCidrBlockFields {
  readonly vpcId: string;
  readonly cidrBlock: string;
}

export const vpcCidrBlockTask = taskConstructor<VpcCidrBlockFields>('VPCCIDRBlock');

/** A task name of the range: `10.1.0.0-16`. */
export const cidrBlockName = (cidr: string): string => cidr.replace('/', '-');

/** Association states that hold the range (AWS keeps disassociated ones listed for a while). */
const HELD = new Set(['associating', 'associated']);

export const vpcCidrBlockKind = awsKind<VpcCidrBlockFields>({
  kind: 'VPCCIDRBlock',
  uses: ['VPC'],
  immutable: ['vpcId', 'cidrBlock'],
  async list(ctx) {
    return (await listVpcs(ctx))
      .filter((v) => v.owner !== undefined)
      .flatMap((v) =>
        (v.item.CidrBlockAssociationSet ?? [])
          .filter((a) => a.CidrBlock && a.CidrBlock !== v.item.CidrBlock && HELD.has(a.CidrBlockState?.State ?? ''))
          .map((a) => ({
            id: a.AssociationId!,
            name: cidrBlockName(a.CidrBlock!),
            fields: { vpcId: v.item.VpcId!, cidrBlock: a.CidrBlock! },
            outputs: { id: a.AssociationId! },
            ...(v.owner === 'kubernetes' && ctx.mode.reconciling ? { shared: true } : {}),
          })),
      );
  },
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: d.vpcId, CidrBlock: d.cidrBlock }));
    const id = out.CidrBlockAssociation!.AssociationId!;
    return { id, name: task.name, fields: { ...d }, outputs: { id } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: live.id }));
  },
});
