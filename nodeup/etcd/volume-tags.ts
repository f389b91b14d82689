/**
 * The tags that name an etcd member's volume on AWS, besides the cluster's own
 * (`hoist.dev/cluster`): update cluster sets them and nodeup finds the volume by them. They are
 * spelt as the local cloud's volumes are tagged.
 */

export const ETCD_CLUSTER_TAG = 'hoist.dev/etcd-cluster';
export const ETCD_MEMBER_TAG = 'hoist.dev/etcd-member';
