/**
 * The tags that make a local volume an etcd member's: the daemon attaches such a volume to the
 * running machine of the member's instance group, at `/mnt/etcd-<etcd cluster>` in its root.
 */

import { CLUSTER_TAG, INSTANCE_GROUP_TAG } from '../tags.js';

export const ETCD_CLUSTER_TAG = 'hoist.dev/etcd-cluster';
export const ETCD_MEMBER_TAG = 'hoist.dev/etcd-member';

export interface EtcdVolumeOwner {
  readonly etcdCluster: string;
  readonly member: string;
  readonly instanceGroup: string;
}

export function etcdVolumeTags(o: EtcdVolumeOwner): Record<string, string> {
  return { [ETCD_CLUSTER_TAG]: o.etcdCluster, [ETCD_MEMBER_TAG]: o.member, [INSTANCE_GROUP_TAG]: o.instanceGroup };
}

export function etcdVolumeOwner(tags: Readonly<Record<string, string>>): EtcdVolumeOwner | undefined {
  const etcdCluster = tags[ETCD_CLUSTER_TAG];
  const member = tags[ETCD_MEMBER_TAG];
  const instanceGroup = tags[INSTANCE_GROUP_TAG];
  return etcdCluster && member && instanceGroup ? { etcdCluster, member, instanceGroup } : undefined;
}

/** Whether an instance (by its tags) is the machine of the volume's member. */
export function volumeBelongsTo(volumeTags: Readonly<Record<string, string>>, instanceTags: Readonly<Record<string, string>>): boolean {
  const owner = etcdVolumeOwner(volumeTags);
  return owner !== undefined && volumeTags[CLUSTER_TAG] === instanceTags[CLUSTER_TAG] && owner.instanceGroup === instanceTags[INSTANCE_GROUP_TAG];
}

/** The node path where the member's volume appears (nodeup's `etcdVolumeDir`). */
export const etcdMountPath = (etcdCluster: string): string => `mnt/etcd-${etcdCluster}`;
