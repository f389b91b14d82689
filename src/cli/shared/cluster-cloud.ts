/** The stored spec of a cluster, completed and validated, and a session with its cloud. */

import { completeSpec, validateSpecSet } from '../../api/index.js';
import type { CompletedSpec } from '../../api/index.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { openCloud } from '../../../cloudup/cloud.js';
import type { CloudSession } from '../../../cloudup/cloud.js';
import type { Context } from '../context.js';

export interface ClusterCloud {
  readonly completed: CompletedSpec;
  readonly session: CloudSession;
}

export async function completedSpecOf(ctx: Context, cluster: string): Promise<CompletedSpec> {
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const igs = set.instanceGroups.map((v) => v.object);
  const problems = validateSpecSet(set.cluster.object, igs);
  if (problems.length > 0) throw new ValidationError(`the stored spec of ${cluster}`, problems);
  return completeSpec(set.cluster.object, igs);
}

/** `readOnly`: the command changes nothing, so it does not start a cloud that is not running. */
export async function openClusterCloud(ctx: Context, cluster: string, opts: { readonly readOnly?: boolean } = {}): Promise<ClusterCloud> {
  const completed = await completedSpecOf(ctx, cluster);
  const session = await openCloud(completed, { env: ctx.io.env, events: ctx.io.events, readOnly: opts.readOnly === true });
  return { completed, session };
}
