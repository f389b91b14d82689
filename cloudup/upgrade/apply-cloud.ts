/**
 * The first step of a reconcile: what `update cluster --yes` does, from the pipeline's parts.
 * Plans the stored spec, makes the API load balancer first when the machines name it, publishes
 * what new machines read at boot, removes etcd members that left the spec, applies the plan and
 * writes the applied spec. The caller holds the cluster's lock.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { hasChanges } from '../../src/engine/plan.js';
import type { EventSink } from '../../src/output/events.js';
import type { Clientset } from '../../state-store/clientset.js';
import { latestRevision } from '../../state-store/history.js';
import type { Env } from '../provider.js';
import { prepareNodes } from '../nodeup/prepare.js';
import { applyEndpointFirst } from '../pipeline/api-endpoint.js';
import { applyClusterPlan } from '../pipeline/apply.js';
import type { ApplyClusterOptions } from '../pipeline/apply.js';
import { planCluster, writeCompletedSpec } from '../pipeline/plan.js';
import type { ClusterPlan } from '../pipeline/plan.js';
import { completedSpecOf } from '../pipeline/spec.js';
import { removeLeavingEtcdMembers } from '../rolling/etcd-members.js';

export interface PlanOptions {
  readonly readOnly?: boolean;
  readonly env: Env;
  readonly events: EventSink;
}

/** The plan of the stored spec; its session is open, and the caller closes it. */
export async function planStoredSpec(clients: Clientset, cluster: string, opts: PlanOptions, completed?: CompletedSpec): Promise<ClusterPlan> {
  const [spec, last] = await Promise.all([completed ?? completedSpecOf(clients, cluster), latestRevision(clients.store, cluster)]);
  return planCluster(clients.store, spec, { purpose: 'reconcile', readOnly: opts.readOnly === true, specRevision: last?.rev ?? null, env: opts.env, events: opts.events });
}

export interface AppliedCloud {
  /** The plan that was applied (replanned when the load balancer came first); its session is open. */
  readonly planned: ClusterPlan;
  readonly changed: boolean;
}

/**
 * Applies `planned`. On failure its session is closed; on success the returned plan's session
 * is open (the roll uses it), and the caller closes it.
 */
export async function applyCloudChanges(clients: Clientset, cluster: string, planned: ClusterPlan, opts: PlanOptions & { readonly progress: ApplyClusterOptions }): Promise<AppliedCloud> {
  let current = planned;
  try {
    const store = clients.store;
    if (current.pendingEndpoint !== undefined) {
      const first = current;
      current = await applyEndpointFirst(store, first, () => planStoredSpec(clients, cluster, opts), opts.progress);
    }
    await prepareNodes(store, current.completed, current.nodeConfigs, opts.events, current.nodeupBundle);
    await removeLeavingEtcdMembers(store, current.completed, opts.events);
    const changed = hasChanges(current.result.plan);
    if (changed) await applyClusterPlan(store, current, opts.progress);
    await writeCompletedSpec(store, current.completed);
    return { planned: current, changed };
  } catch (e) {
    await current.session.close();
    throw e;
  }
}
