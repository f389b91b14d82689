/**
 * Subnet (CreateSubnet; AssociateSubnetCidrBlock and ModifySubnetAttribute for its IPv6 range).
 * Outputs: `id`, `availabilityZone`. A subnet given by id is shared: checked
 * (ExistsAndValidates), never changed or deleted.
 */

import { AssociateSubnetCidrBlockCommand, CreateSubnetCommand, DeleteSubnetCommand, DisassociateSubnetCidrBlockCommand, ModifySubnetAttributeCommand } from '@aws-sdk/client-ec2';
import type { Subnet } from '@aws-sdk/client-ec2';
import { ipv6SlotCidr, ipv6SlotOf, parseIpv6Slot } from '../../../src/api/cidr.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { AwsContext } from '../context.js';
import { listSubnets, listVpcs } from '../listings/ec2.js';
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
  /** The IPv6 range as the spec gives it: a /64, or kops's `/64#N` inside `vpcIpv6CidrBlock`. Absent: not compared. */
  readonly ipv6CidrBlock?: string;
  /** The VPC's IPv6 block, which a `/64#N` range is cut from. */
  readonly vpcIpv6CidrBlock?: string;
  /** Machines launched in the subnet get an IPv6 address. */
  readonly assignIpv6AddressOnCreation?: boolean;
  readonly tags?: TagMap;
}

export const subnetTask = taskConstructor<SubnetFields>('Subnet');

/**
 * The subnet's held IPv6 association. moto 5.2.1 writes a subnet association's state as the
 * text of a dict ("{'State': 'associated'}"), so the state is matched as a word.
 */
function ipv6Association(s: Subnet): { readonly id: string; readonly cidr: string } | undefined {
  const a = (s.Ipv6CidrBlockAssociationSet ?? []).find((b) => /\b(associating|associated)\b/.test(b.Ipv6CidrBlockState?.State ?? ''));
  return a?.Ipv6CidrBlock ? { id: a.AssociationId ?? '', cidr: a.Ipv6CidrBlock } : undefined;
}

function toLive(ctx: AwsContext, s: Listed<Subnet>, vpcBlocks: ReadonlyMap<string, string>) {
  const v6 = ipv6Association(s.item);
  return liveObject(
    ctx,
    s,
    s.item.SubnetId!,
    tagMap(s.item.Tags),
    {
      vpcId: s.item.VpcId ?? '',
      cidrBlock: s.item.CidrBlock ?? '',
      availabilityZone: s.item.AvailabilityZone ?? '',
      ipv6CidrBlock: v6?.cidr ?? '',
      vpcIpv6CidrBlock: vpcBlocks.get(s.item.VpcId ?? '') ?? '',
      assignIpv6AddressOnCreation: s.item.AssignIpv6AddressOnCreation ?? false,
    },
    { availabilityZone: s.item.AvailabilityZone ?? '', ipv6AssociationId: v6?.id ?? '' },
  );
}

/** Each listed VPC's IPv6 block: the plan lists the VPCs anyway. */
async function vpcIpv6Blocks(ctx: AwsContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of await listVpcs(ctx)) {
    const a = (v.item.Ipv6CidrBlockAssociationSet ?? []).find((b) => b.Ipv6CidrBlockState?.State === 'associated' && b.Ipv6CidrBlock);
    if (a) out.set(v.item.VpcId!, a.Ipv6CidrBlock!);
  }
  return out;
}

/**
 * The range to ask AWS for: a `/64#N` range cut from the VPC's block, else the range as given.
 * A VPC without an IPv6 block (a shared one nobody gave one) cannot hold it: refused, naming the fix.
 */
function ipv6Range(d: SubnetFields): string | undefined {
  if (!d.ipv6CidrBlock) return undefined;
  const slot = parseIpv6Slot(d.ipv6CidrBlock);
  if (!slot) return d.ipv6CidrBlock;
  const range = d.vpcIpv6CidrBlock ? ipv6SlotCidr(d.vpcIpv6CidrBlock, slot) : undefined;
  if (range === undefined) {
    const why = d.vpcIpv6CidrBlock ? `is not inside the VPC's IPv6 block ${d.vpcIpv6CidrBlock}` : `needs an IPv6 block of VPC ${d.vpcId}, which has none`;
    throw new HoistError('INVALID_SPEC', `the subnet's ipv6CIDR ${d.ipv6CidrBlock} ${why}`, { path: 'spec.subnets[].ipv6CIDR', hint: 'associate an Amazon-provided IPv6 block with a shared VPC (hoist adds one only to the VPC it makes), or use a smaller N' });
  }
  return range;
}

async function setIpv6Range(ctx: AwsContext, subnetId: string, d: SubnetFields, held: string | undefined, heldAssociation: string): Promise<void> {
  const want = ipv6Range(d);
  if (want === undefined || want === held) return;
  if (heldAssociation !== '') await ctx.clients.ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: heldAssociation }));
  await ctx.clients.ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: subnetId, Ipv6CidrBlock: want }));
}

async function setAssignIpv6(ctx: AwsContext, subnetId: string, value: boolean): Promise<void> {
  await ctx.clients.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, AssignIpv6AddressOnCreation: { Value: value } }));
}

export const subnetKind = awsKind<SubnetFields>({
  kind: 'Subnet',
  uses: ['VPC'],
  immutable: ['vpcId', 'cidrBlock', 'availabilityZone'],
  async list(ctx) {
    const [subnets, blocks] = await Promise.all([listSubnets(ctx), vpcIpv6Blocks(ctx)]);
    return subnets.map((s) => toLive(ctx, s, blocks));
  },
  /** A `/64#N` range compares in that form, where the live range is that slot of the VPC's block. */
  comparable(live, desired) {
    const want = desired['ipv6CidrBlock'];
    const slot = typeof want === 'string' ? parseIpv6Slot(want) : undefined;
    const block = live['vpcIpv6CidrBlock'];
    const held = live['ipv6CidrBlock'];
    if (!slot || typeof block !== 'string' || typeof held !== 'string' || block === '' || held === '') return live;
    return { ...live, ipv6CidrBlock: ipv6SlotOf(block, held, slot.prefix) ?? held };
  },
  async create(ctx, _task, d) {
    const ipv6 = ipv6Range(d);
    const out = await ctx.clients.ec2.send(
      new CreateSubnetCommand({
        VpcId: d.vpcId,
        CidrBlock: d.cidrBlock,
        AvailabilityZone: d.availabilityZone,
        ...(ipv6 === undefined ? {} : { Ipv6CidrBlock: ipv6 }),
        TagSpecifications: tagSpec('subnet', d.tags ?? {}),
      }),
    );
    const id = out.Subnet!.SubnetId!;
    if (d.assignIpv6AddressOnCreation === true) await setAssignIpv6(ctx, id, true);
    const live = toLive(ctx, { item: { ...out.Subnet!, Tags: awsTags(d.tags ?? {}) }, owner: 'hoist' }, new Map());
    return { ...live, fields: { ...live.fields, ...d } };
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('ipv6CidrBlock') || changed.has('vpcIpv6CidrBlock')) {
      const held = live.fields['ipv6CidrBlock'];
      await setIpv6Range(ctx, live.id, d, typeof held === 'string' && held !== '' ? held : undefined, String(live.outputs['ipv6AssociationId'] ?? ''));
    }
    if (changed.has('assignIpv6AddressOnCreation')) await setAssignIpv6(ctx, live.id, d.assignIpv6AddressOnCreation === true);
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, d.tags ?? {}, liveTags(live));
    return { ...live, fields: { ...live.fields, ...d } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: live.id }));
  },
});
