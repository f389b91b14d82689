/**
 * Tearing a cluster down: one session, opened for the teardown, plans the removal of
 * everything the cluster owns, applies it, then discovers again: the teardown is done only
 * when nothing of the cluster is left. The session is closed on every path.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import { hasChanges } from '../../src/engine/plan.js';
import type { Plan } from '../../src/engine/plan.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { applyClusterPlan } from './apply.js';
import type { ApplyClusterOptions } from './apply.js';
import { planCluster, planOn } from './plan.js';
import type { PlanClusterOptions } from './plan.js';

export interface TeardownOptions extends Omit<PlanClusterOptions, 'purpose' | 'readOnly'>, Omit<ApplyClusterOptions, 'events'> {
  /** Where the apply's step events go (the plan's go to `events`). */
  readonly applyEvents?: ApplyClusterOptions['events'];
  /** Called with the plan before anything is deleted (to show it). */
  readonly onPlan?: (plan: Plan) => void;
}

export interface TeardownResult {
  /** What was deleted; empty when nothing of the cluster existed. */
  readonly plan: Plan;
}

export async function teardownCluster(store: ObjectStore, completed: CompletedSpec, opts: TeardownOptions): Promise<TeardownResult> {
  const cluster = completed.cluster.metadata.name;
  const planned = await planCluster(store, completed, { ...opts, purpose: 'teardown' });
  try {
    const plan = planned.result.plan;
    if (hasChanges(plan)) {
      opts.onPlan?.(plan);
      await applyClusterPlan(store, planned, { ...(opts.parallelism === undefined ? {} : { parallelism: opts.parallelism }), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.applyEvents ? { events: opts.applyEvents } : {}) });
    }
    const after = await planOn(planned.session, completed, [], opts);
    const left = after.plan.changes.filter((c) => c.action === 'delete').map((c) => `${c.id} (${c.liveId})`);
    if (left.length > 0) throw new HoistError('CLOUD', `these resources of ${cluster} still exist after deleting:\n  ${left.join('\n  ')}`, { hint: 'run hoist delete cluster again; if they stay, delete them by hand' });
    return { plan };
  } finally {
    await planned.session.close();
  }
}
