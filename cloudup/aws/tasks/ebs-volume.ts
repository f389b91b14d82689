/**
 * EBSVolume of an etcd member (CreateVolume), with the etcd tags etcd-manager looks for. Size
 * and type change in place (ModifyVolume; a size only grows); zone and encryption cannot.
 */

import { CreateVolumeCommand, DeleteVolumeCommand, ModifyVolumeCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import { clientToken } from '../context.js';
import { listVolumes } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields, liveFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface EbsVolumeFields {
  readonly availabilityZone: string;
  /** GiB. */
  readonly size: number;
  readonly volumeType: string;
  readonly encrypted: boolean;
  readonly tags: TagMap;
}

export const ebsVolumeTask = taskConstructor<EbsVolumeFields>('EBSVolume');

/** The etcd member a volume holds, from its `k8s.io/etcd/<etcd cluster>` = `<member>/<members>` tag. */
function etcdMemberOf(tags: TagMap): string {
  const entry = Object.entries(tags).find(([key]) => key.startsWith('k8s.io/etcd/'));
  return entry ? `member ${entry[1].split('/')[0]} of etcd cluster ${entry[0].slice('k8s.io/etcd/'.length)}` : 'the etcd member';
}

export const ebsVolumeKind = awsKind<EbsVolumeFields>({
  kind: 'EBSVolume',
  uses: [],
  immutable: ['availabilityZone', 'encrypted'],
  list: async (ctx) =>
    (await listVolumes(ctx))
      .filter((v) => v.item.State !== 'deleted' && v.item.State !== 'deleting')
      .map((v) => {
        const live = liveObject(ctx, v, v.item.VolumeId!, tagMap(v.item.Tags), {
          availabilityZone: v.item.AvailabilityZone ?? '',
          size: v.item.Size ?? 0,
          volumeType: v.item.VolumeType ?? '',
          encrypted: v.item.Encrypted ?? false,
        });
        // A member that leaves the spec leaves its data behind: only a teardown deletes it (docs/etcd.md).
        return ctx.mode.reconciling ? { ...live, kept: `it holds the data of ${etcdMemberOf(tagMap(v.item.Tags))}` } : live;
      }),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: d.availabilityZone,
        Size: d.size,
        VolumeType: d.volumeType as never,
        Encrypted: d.encrypted,
        TagSpecifications: tagSpec('volume', d.tags),
        ClientToken: clientToken(ctx, task.name),
      }),
    );
    const { tags: _tags, ...fields } = d;
    return liveObject(ctx, { owner: 'hoist' }, out.VolumeId!, d.tags, fields);
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('size') || changed.has('volumeType')) {
      const size = liveFields<EbsVolumeFields>(live).size;
      if (d.size < size) {
        // A spec that asks for less than the volume holds: AWS cannot shrink a volume.
        throw new HoistError('INVALID_SPEC', `EBS volume ${live.id} (${live.name}) is ${size} GiB and cannot shrink to ${d.size} GiB`, {
          path: 'spec.etcdClusters[].etcdMembers[].volumeSize',
          hint: `set the volumeSize of ${etcdMemberOf(d.tags)} to ${size} or more`,
        });
      }
      await ctx.clients.ec2.send(new ModifyVolumeCommand({ VolumeId: live.id, Size: d.size, VolumeType: d.volumeType as never }));
    }
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return { ...live, fields: { ...live.fields, size: d.size, volumeType: d.volumeType } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: live.id }));
  },
});
