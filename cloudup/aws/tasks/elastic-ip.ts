/** ElasticIP of a NAT gateway. Desired: `domain` ("vpc"), `tags`. Outputs: `id` (the allocation id), `publicIp`. */

import { AllocateAddressCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { listAddresses } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import { awsKind, changedFields, map } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export const elasticIpKind = awsKind({
  kind: 'ElasticIP',
  uses: [],
  immutable: ['domain'],
  list: async (ctx) =>
    (await listAddresses(ctx)).map((a) => liveObject(ctx, a, a.item.AllocationId!, tagMap(a.item.Tags), { domain: a.item.Domain ?? 'vpc' }, { publicIp: a.item.PublicIp ?? '' })),
  async create(ctx, _task, d) {
    const out = await ctx.clients.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagSpec('elastic-ip', map(d, 'tags')) }));
    return liveObject(ctx, { owner: 'hoist' }, out.AllocationId!, map(d, 'tags'), { domain: 'vpc' }, { publicIp: out.PublicIp ?? '' });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, map(d, 'tags'), liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new ReleaseAddressCommand({ AllocationId: live.id }));
  },
});
