/** Live objects from listed AWS objects, and the tag updates every taggable kind shares. */

import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import type { Listed } from '../listings/ec2.js';
import { awsTags, tagsToSet, userTags } from '../tags.js';
import type { TagMap } from '../tags.js';

/**
 * A live object named by its `Name` tag. Objects given by id are named by their id; objects that
 * Kubernetes made for the cluster are left alone (shared) unless the cluster is torn down.
 */
export function liveObject(ctx: AwsContext, listed: Pick<Listed<unknown>, 'owner'>, id: string, tags: TagMap, fields: ResolvedFields, outputs: ResolvedFields = {}): LiveObject {
  const shared = listed.owner === undefined || (listed.owner === 'kubernetes' && ctx.mode.reconciling);
  return {
    id,
    name: listed.owner === undefined ? id : (tags['Name'] ?? id),
    fields: 'tags' in fields ? fields : { ...fields, tags: userTags(tags) },
    outputs: { id, ...outputs },
    ...(shared ? { shared: true } : {}),
  };
}

/** Adds or changes the tags the task desires; tags it does not name are left as they are. */
export async function syncEc2Tags(ctx: AwsContext, resourceId: string, desired: TagMap, live: TagMap): Promise<void> {
  const set = tagsToSet(desired, live);
  if (Object.keys(set).length === 0) return;
  await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [resourceId], Tags: awsTags(set) }));
}

export function liveTags(live: LiveObject): TagMap {
  return (live.fields['tags'] as TagMap | undefined) ?? {};
}
