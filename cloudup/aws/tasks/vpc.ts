/**
 * VPC (CreateVpc and ModifyVpcAttribute; AssociateVpcCidrBlock for its Amazon-provided IPv6
 * block). Outputs: `id`, `cidrBlock`, `ipv6CidrBlock` (the IPv6 block, "" for none). A VPC given
 * by id is shared: it is checked (ExistsAndValidates) and never changed or deleted.
 */

import { AssociateVpcCidrBlockCommand, CreateVpcCommand, DeleteVpcCommand, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import type { Vpc } from '@aws-sdk/client-ec2';
import { NotReadyError } from '../../../src/engine/executor.js';
import type { ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { listVpcs } from '../listings/ec2.js';
import type { ListedVpc } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface VpcFields {
  readonly cidrBlock: string;
  /** Absent on a shared VPC: not compared. */
  readonly enableDnsSupport?: boolean;
  readonly enableDnsHostnames?: boolean;
  /** An IPv6 block from Amazon's pool (an IPv6 cluster), as kops's VPCAmazonIPv6CIDRBlock. Absent: not compared. */
  readonly amazonProvidedIpv6CidrBlock?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

export const vpcTask = taskConstructor<VpcFields>('VPC');

/** Association states that hold a block (AWS keeps disassociated ones listed for a while). */
const HELD = new Set(['associating', 'associated']);

/** The VPC's IPv6 block, with whether Amazon's pool gave it and whether it is associated yet. */
function ipv6Block(v: Vpc): { readonly cidr: string; readonly amazon: boolean; readonly ready: boolean } | undefined {
  const a = (v.Ipv6CidrBlockAssociationSet ?? []).find((b) => HELD.has(b.Ipv6CidrBlockState?.State ?? ''));
  if (!a) return undefined;
  return { cidr: a.Ipv6CidrBlock ?? '', amazon: a.Ipv6Pool === 'Amazon', ready: a.Ipv6CidrBlockState?.State === 'associated' && (a.Ipv6CidrBlock ?? '') !== '' };
}

function toLive(ctx: AwsContext, v: ListedVpc) {
  const block = ipv6Block(v.item);
  const fields: Record<string, ResolvedFields[string]> = { cidrBlock: v.item.CidrBlock ?? '', amazonProvidedIpv6CidrBlock: block?.amazon ?? false };
  if (v.dnsSupport !== undefined) fields['enableDnsSupport'] = v.dnsSupport;
  if (v.dnsHostnames !== undefined) fields['enableDnsHostnames'] = v.dnsHostnames;
  return liveObject(ctx, v, v.item.VpcId!, tagMap(v.item.Tags), fields, { cidrBlock: v.item.CidrBlock ?? '', ipv6CidrBlock: block?.cidr ?? '' });
}

/**
 * Asks Amazon for the VPC's IPv6 block. Its range is what the subnets' IPv6 ranges are cut from,
 * so the step is not done until AWS has given it: until then a NotReadyError, and the retry finds
 * the VPC (find) and waits for the association rather than asking twice.
 */
async function associateIpv6(ctx: AwsContext, vpcId: string): Promise<string> {
  const out = await ctx.clients.ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true }));
  const a = out.Ipv6CidrBlockAssociation;
  if (a?.Ipv6CidrBlock) return a.Ipv6CidrBlock;
  throw new NotReadyError(`VPC ${vpcId}: its IPv6 block is being associated`);
}

async function setAttributes(ctx: AwsContext, vpcId: string, d: VpcFields, which: ReadonlySet<string>): Promise<void> {
  // One attribute per call, support before hostnames: AWS refuses hostnames without support.
  if (which.has('enableDnsSupport')) await ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: d.enableDnsSupport === true } }));
  if (which.has('enableDnsHostnames')) await ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: d.enableDnsHostnames === true } }));
}

export const vpcKind = awsKind<VpcFields>({
  kind: 'VPC',
  uses: [],
  immutable: ['cidrBlock'],
  // Asking for an IPv6 block gives the VPC one: known once the update is made.
  updatedOutputs: ['ipv6CidrBlock'],
  list: async (ctx) => (await listVpcs(ctx)).map((v) => toLive(ctx, v)),
  // As the default (by name, not shared), but a VPC whose IPv6 block is still being associated is not ready yet.
  async find(ctx, task, d) {
    const v = (await listVpcs(ctx)).find((o) => {
      const live = toLive(ctx, o);
      return live.name === task.name && !live.shared;
    });
    if (!v) return undefined;
    const block = ipv6Block(v.item);
    if (d.amazonProvidedIpv6CidrBlock === true && block !== undefined && !block.ready) throw new NotReadyError(`VPC ${v.item.VpcId}: its IPv6 block is being associated`);
    return toLive(ctx, v);
  },
  async create(ctx, _task, d) {
    const out = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: d.cidrBlock, TagSpecifications: tagSpec('vpc', { ...d.tags }) }));
    const vpc = out.Vpc!;
    await setAttributes(ctx, vpc.VpcId!, d, new Set(['enableDnsSupport', 'enableDnsHostnames']));
    const ipv6 = d.amazonProvidedIpv6CidrBlock === true ? await associateIpv6(ctx, vpc.VpcId!) : undefined;
    const live = toLive(ctx, { item: vpc, owner: 'hoist', dnsSupport: d.enableDnsSupport === true, dnsHostnames: d.enableDnsHostnames === true });
    return ipv6 === undefined ? live : { ...live, fields: { ...live.fields, amazonProvidedIpv6CidrBlock: true }, outputs: { ...live.outputs, ipv6CidrBlock: ipv6 } };
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    await setAttributes(ctx, live.id, d, changed);
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, { ...d.tags }, liveTags(live));
    // hoist adds a block and never takes one away: subnets and machines may hold its addresses.
    const ipv6 = changed.has('amazonProvidedIpv6CidrBlock') && d.amazonProvidedIpv6CidrBlock === true ? await associateIpv6(ctx, live.id) : undefined;
    return { ...live, fields: { ...live.fields, ...d }, outputs: ipv6 === undefined ? live.outputs : { ...live.outputs, ipv6CidrBlock: ipv6 } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteVpcCommand({ VpcId: live.id }));
  },
});
