/**
 * Applies a cluster plan with live progress; a failure lists each failed change and what it held
 * back. Each change starts only after a check that this process still holds the cluster's lock:
 * a holder whose lock was broken stops before its next change instead of racing the new holder.
 */

import { HoistError } from '../../errors.js';
import { applyPlan } from '../../engine/apply.js';
import { checkLockHeld } from '../../../state-store/lock.js';
import { progressRenderer } from '../../output/progress.js';
import type { Context } from '../context.js';
import type { ClusterPlan } from './cluster-plan.js';

export async function applyClusterPlan(ctx: Context, planned: ClusterPlan, format: 'text' | 'json', parallelism = 10): Promise<void> {
  const progress = progressRenderer({ write: format === 'json' ? ctx.io.out : ctx.io.err, isTTY: ctx.io.interactive, json: format === 'json' });
  const store = await ctx.store();
  const cluster = planned.completed.cluster.metadata.name;
  const result = await applyPlan({
    result: planned.result,
    kinds: planned.session.kinds,
    ctx: planned.session.ctx,
    beforeChange: () => checkLockHeld(store, cluster),
    executor: {
      parallelism,
      isRetryable: planned.session.isRetryable,
      onProgress: progress.onProgress,
      // The renderer shows every step; passing the events on as well would print them twice.
      events: progress.event,
    },
  });
  progress.finish();
  const lost = result.failures.find((f) => f.error instanceof HoistError && f.error.code === 'LOCKED');
  if (lost) {
    const error = lost.error as HoistError;
    const total = result.results.size + result.failures.length + result.skipped.length;
    throw new HoistError('LOCKED', `${error.message} (${result.results.size} of ${total} change(s) were applied)`, error.hint === undefined ? {} : { hint: error.hint });
  }
  if (!result.ok) {
    const lines = result.failures.map((f) => `  ${f.id}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    const skipped = result.skipped.length > 0 ? `\nnot attempted because of them: ${result.skipped.join(', ')}` : '';
    throw new HoistError('STORE', `${result.failures.length} change(s) failed:\n${lines.join('\n')}${skipped}`, {
      hint: 'fix the cause and run the same command again: what was applied stays, and the rest is planned again',
    });
  }
  // What follows an apply (the completed spec, the state of a deleted cluster) is the holder's too.
  await checkLockHeld(store, cluster);
}
