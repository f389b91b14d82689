/**
 * Applies a cluster plan; a failure lists each failed change and what it held back. Each
 * change starts only after a check that this process still holds the cluster's lock: a holder
 * whose lock was broken stops before its next change instead of racing the new holder.
 */

import { HoistError } from '../../src/errors.js';
import { applyPlan } from '../../src/engine/apply.js';
import type { ExecutorOptions } from '../../src/engine/executor.js';
import { checkLockHeld } from '../../state-store/lock.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { ClusterPlan } from './plan.js';

export interface ApplyClusterOptions {
  /** How many changes run at once; default 10. */
  readonly parallelism?: number;
  readonly onProgress?: ExecutorOptions['onProgress'];
  readonly events?: ExecutorOptions['events'];
}

export async function applyClusterPlan(store: ObjectStore, planned: ClusterPlan, opts: ApplyClusterOptions = {}): Promise<void> {
  const cluster = planned.completed.cluster.metadata.name;
  const result = await applyPlan({
    result: planned.result,
    kinds: planned.kinds ?? planned.session.kinds,
    ctx: planned.session.ctx,
    beforeChange: () => checkLockHeld(store, cluster),
    executor: {
      parallelism: opts.parallelism ?? 10,
      isRetryable: planned.session.isRetryable,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.events ? { events: opts.events } : {}),
    },
  });
  const lost = result.failures.find((f) => f.error instanceof HoistError && f.error.code === 'LOCKED');
  if (lost) {
    const error = lost.error as HoistError;
    const total = result.results.size + result.failures.length + result.skipped.length;
    throw new HoistError('LOCKED', `${error.message} (${result.results.size} of ${total} change(s) were applied)`, error.hint === undefined ? {} : { hint: error.hint });
  }
  if (!result.ok) {
    const lines = result.failures.map((f) => `  ${f.id}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    const skipped = result.skipped.length > 0 ? `\nnot attempted because of them: ${result.skipped.join(', ')}` : '';
    throw new HoistError('CLOUD', `${result.failures.length} change(s) failed:\n${lines.join('\n')}${skipped}`, {
      hint: 'fix the cause and run the same command again: what was applied stays, and the rest is planned again',
    });
  }
  // What follows an apply (the completed spec, the state of a deleted cluster) is the holder's too.
  await checkLockHeld(store, cluster);
}
