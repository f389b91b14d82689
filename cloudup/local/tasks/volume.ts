/** Volume: an etcd member's data disk (a folder on the local cloud), tagged with its member. */
import type { UpdateBodies } from '../api-types.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { EtcdVolumeOwner } from '../volume-tags.js';
import { etcdVolumeOwner, etcdVolumeTags } from '../volume-tags.js';
import { localKind } from './resource-kind.js';

export interface VolumeFields {
  readonly zone: string;
  readonly sizeGb: number;
  readonly volumeType: string;
  /** The member whose data it holds: the daemon attaches it to that member's machine. */
  readonly etcdMember?: EtcdVolumeOwner;
}

export const volumeTask = taskConstructor<VolumeFields>('Volume');

export const volumeKind = localKind<'volumes', VolumeFields>({
  kind: 'Volume',
  type: 'volumes',
  uses: [],
  fields: (v) => {
    const owner = etcdVolumeOwner(v.tags);
    return { zone: v.zone, sizeGb: v.sizeGb, volumeType: v.volumeType, ...(owner ? { etcdMember: owner } : {}) };
  },
  body: ({ etcdMember: _owner, ...d }) => ({ ...d }),
  tags: (d) => (d.etcdMember ? etcdVolumeTags(d.etcdMember) : {}),
  // A member that leaves the spec leaves its data behind, never deleted by an update (docs/etcd.md).
  kept: (v) => {
    const owner = etcdVolumeOwner(v.tags);
    return owner && `it holds the data of etcd ${owner.etcdCluster} member ${owner.member}`;
  },
  immutable: ['zone', 'volumeType'],
  // The member's tags change in place: replacing the volume would lose its data.
  patch: (d, live, changes) => {
    const touched = (field: string) => changes.some((c) => c.path.startsWith(field));
    const patch: Partial<UpdateBodies['volumes']> = {
      ...(touched('sizeGb') ? { sizeGb: d.sizeGb } : {}),
      ...(touched('etcdMember') && d.etcdMember ? { tags: { ...live.tags, ...etcdVolumeTags(d.etcdMember) } } : {}),
    };
    return patch;
  },
});
