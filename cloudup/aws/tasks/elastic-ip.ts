/** ElasticIP of a NAT gateway. Outputs: `id` (the allocation id), `publicIp`. */

import { AllocateAddressCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { listAddresses } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface ElasticIpFields {
  readonly domain: 'vpc';
  readonly tags: TagMap;
}

export const elasticIpTask = taskConstructor<ElasticIpFields>('ElasticIP');

export const elasticIpKind = awsKind<ElasticIpFields>({
  kind: 'ElasticIP',
  uses: [],
  immutable: ['domain'],
  list: async (ctx) =>
    (await listAddresses(ctx)).map((a) => liveObject(ctx, a, a.item.AllocationId!, tagMap(a.item.Tags), { domain: a.item.Domain ?? 'vpc' }, { publicIp: a.item.PublicIp ?? '' })),
  async create(ctx, _task, d) {
    const out = await ctx.clients.ec2.send(new AllocateAddressCommand({ Domain: d.domain, TagSpecifications: tagSpec('elastic-ip', d.tags) }));
    return liveObject(ctx, { owner: 'hoist' }, out.AllocationId!, d.tags, { domain: d.domain }, { publicIp: out.PublicIp ?? '' });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new ReleaseAddressCommand({ AllocationId: live.id }));
  },
});
