/** The tags (labels on GCE) every object hoist creates carries, on every cloud. */

export const CLUSTER_TAG = 'hoist.dev/cluster';
export const ROLE_TAG = 'hoist.dev/role';
export const INSTANCE_GROUP_TAG = 'hoist.dev/instancegroup';

/** Kubernetes's own ownership tag: cloud controllers and kops users know it. */
export function kubernetesClusterTag(cluster: string): string {
  return `kubernetes.io/cluster/${cluster}`;
}

export function ownershipTags(cluster: string): Record<string, string> {
  return { [kubernetesClusterTag(cluster)]: 'owned', [CLUSTER_TAG]: cluster };
}
