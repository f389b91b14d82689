/** The stored spec of a cluster, validated (by the API and by its cloud) and completed. */

import { completeSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import type { Clientset } from '../../state-store/clientset.js';
import type { EventSink } from '../../src/output/events.js';
import type { CloudSession, Env } from '../provider.js';
import { openCloud, providerFor } from '../providers.js';

export async function completedSpecOf(clients: Clientset, cluster: string): Promise<CompletedSpec> {
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const completed = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  // The API's rules with the cloud's (its spec rules, through its provider).
  const problems = (await providerFor(completed)).validate(completed);
  if (problems.length > 0) throw new ValidationError(`the stored spec of ${cluster}`, problems);
  return completed;
}

export interface InspectOptions {
  readonly env: Env;
  readonly events: EventSink;
  /** The command changes nothing: a cloud that is not running is not started for it. */
  readonly readOnly?: boolean;
}

/**
 * The completed spec and a session that reads the cluster (its instances, rolling updates,
 * validation); the caller closes the session.
 */
export async function inspectCluster(clients: Clientset, cluster: string, opts: InspectOptions): Promise<{ readonly completed: CompletedSpec; readonly session: CloudSession }> {
  const completed = await completedSpecOf(clients, cluster);
  const session = await openCloud(completed, { purpose: 'inspect', env: opts.env, events: opts.events, readOnly: opts.readOnly === true });
  return { completed, session };
}
