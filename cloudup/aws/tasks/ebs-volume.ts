/**
 * EBSVolume of an etcd member. Desired: `availabilityZone`, `size` (GiB), `volumeType`,
 * `encrypted` (CreateVolume), `tags` (the etcd tags etcd-manager looks for). Size and type
 * change in place (ModifyVolume; a size only grows); zone and encryption cannot.
 */

import { CreateVolumeCommand, DeleteVolumeCommand, ModifyVolumeCommand } from '@aws-sdk/client-ec2';
import { clientToken } from '../context.js';
import { listVolumes } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import { awsKind, changedFields, map, num, str } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export const ebsVolumeKind = awsKind({
  kind: 'EBSVolume',
  uses: [],
  immutable: ['availabilityZone', 'encrypted'],
  list: async (ctx) =>
    (await listVolumes(ctx))
      .filter((v) => v.item.State !== 'deleted' && v.item.State !== 'deleting')
      .map((v) =>
        liveObject(ctx, v, v.item.VolumeId!, tagMap(v.item.Tags), {
          availabilityZone: v.item.AvailabilityZone ?? '',
          size: v.item.Size ?? 0,
          volumeType: v.item.VolumeType ?? '',
          encrypted: v.item.Encrypted ?? false,
        }),
      ),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: str(d, 'availabilityZone'),
        Size: num(d, 'size'),
        VolumeType: str(d, 'volumeType') as never,
        Encrypted: d['encrypted'] === true,
        TagSpecifications: tagSpec('volume', map(d, 'tags')),
        ClientToken: clientToken(ctx, task.name),
      }),
    );
    const { tags: _tags, ...fields } = d;
    return liveObject(ctx, { owner: 'hoist' }, out.VolumeId!, map(d, 'tags'), fields);
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('size') || changed.has('volumeType')) {
      if (num(d, 'size') < num(live.fields, 'size')) throw new Error(`EBS volume ${live.id} cannot shrink from ${num(live.fields, 'size')} to ${num(d, 'size')} GiB`);
      await ctx.clients.ec2.send(new ModifyVolumeCommand({ VolumeId: live.id, Size: num(d, 'size'), VolumeType: str(d, 'volumeType') as never }));
    }
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, map(d, 'tags'), liveTags(live));
    return { ...live, fields: { ...live.fields, size: num(d, 'size'), volumeType: str(d, 'volumeType') } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: live.id }));
  },
});
