/**
 * VPC (CreateVpc and ModifyVpcAttribute). Outputs: `id`, `cidrBlock`. A VPC given by id is
 * shared: it is checked (ExistsAndValidates) and never changed or deleted.
 */

import { CreateVpcCommand, DeleteVpcCommand, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
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
  readonly tags?: Readonly<Record<string, string>>;
}

export const vpcTask = taskConstructor<VpcFields>('VPC');

function toLive(ctx: AwsContext, v: ListedVpc) {
  const fields: Record<string, ResolvedFields[string]> = { cidrBlock: v.item.CidrBlock ?? '' };
  if (v.dnsSupport !== undefined) fields['enableDnsSupport'] = v.dnsSupport;
  if (v.dnsHostnames !== undefined) fields['enableDnsHostnames'] = v.dnsHostnames;
  return liveObject(ctx, v, v.item.VpcId!, tagMap(v.item.Tags), fields, { cidrBlock: v.item.CidrBlock ?? '' });
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
  list: async (ctx) => (await listVpcs(ctx)).map((v) => toLive(ctx, v)),
  async create(ctx, _task, d) {
    const out = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: d.cidrBlock, TagSpecifications: tagSpec('vpc', { ...d.tags }) }));
    const vpc = out.Vpc!;
    await setAttributes(ctx, vpc.VpcId!, d, new Set(['enableDnsSupport', 'enableDnsHostnames']));
    return toLive(ctx, { item: vpc, owner: 'hoist', dnsSupport: d.enableDnsSupport === true, dnsHostnames: d.enableDnsHostnames === true });
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    await setAttributes(ctx, live.id, d, changed);
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, { ...d.tags }, liveTags(live));
    return { ...live, fields: { ...live.fields, ...d } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteVpcCommand({ VpcId: live.id }));
  },
});
