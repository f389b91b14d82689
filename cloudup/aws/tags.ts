/** AWS tags as hoist sees them: plain maps, and who owns a tagged object. */

import { CLUSTER_TAG, kubernetesClusterTag } from '../tags.js';

export interface AwsTag {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

export type TagMap = Readonly<Record<string, string>>;

export function tagMap(tags: readonly AwsTag[] | undefined): TagMap {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function awsTags(tags: TagMap): { Key: string; Value: string }[] {
  return Object.keys(tags).sort().map((Key) => ({ Key, Value: tags[Key]! }));
}

/** The EC2 TagSpecifications of a create call. */
export function tagSpec(resourceType: string, tags: TagMap): { ResourceType: never; Tags: { Key: string; Value: string }[] }[] {
  return [{ ResourceType: resourceType as never, Tags: awsTags(tags) }];
}

/**
 * - `hoist`: made by hoist for this cluster (it carries hoist.dev/cluster).
 * - `kubernetes`: the cluster's, but not made by hoist: made by Kubernetes (a LoadBalancer
 *   service, a volume), or untagged but used by the cluster's groups (a launch template). Left
 *   alone by update, deleted by delete cluster.
 * - undefined: not the cluster's.
 */
export type Ownership = 'hoist' | 'kubernetes';

export function ownership(tags: TagMap, cluster: string): Ownership | undefined {
  if (tags[CLUSTER_TAG] === cluster) return 'hoist';
  if (tags[kubernetesClusterTag(cluster)] === 'owned') return 'kubernetes';
  return undefined;
}

/** The EC2 filter that finds what the cluster owns, whoever made it; ownership() refines it. */
export function ownedFilter(cluster: string): { Name: string; Values: string[] }[] {
  return [{ Name: `tag:${kubernetesClusterTag(cluster)}`, Values: ['owned'] }];
}

/** Tags whose keys only AWS may write (`aws:…`) are never compared nor sent back. */
export function userTags(tags: TagMap): TagMap {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('aws:')));
}

/** Only the tags a task desires and the live object lacks or has otherwise. */
export function tagsToSet(desired: TagMap, live: TagMap): TagMap {
  return Object.fromEntries(Object.entries(desired).filter(([k, v]) => live[k] !== v));
}
