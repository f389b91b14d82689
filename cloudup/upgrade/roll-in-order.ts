/**
 * The machines' part of a reconcile: one rolling update per phase, in the order of ./order.ts,
 * with the cluster validated between phases. Every event of a phase names it (`data.phase`),
 * beside the roll's own group and machines, so the order can be checked from the JSON lines.
 * The rolling update's record stays open across the phases and each finished phase is saved
 * (`onPhaseDone`): a rerun after a kill skips the finished phases, and within the phase it
 * stopped in replaces only what is still out of date, never a machine twice.
 */

import { HoistError } from '../../src/errors.js';
import type { EventSink, HoistEvent } from '../../src/output/events.js';
import { rollingUpdate } from '../rolling/roll.js';
import type { RollOptions } from '../rolling/roll.js';
import type { RollingCloud } from '../rolling/types.js';
import { validateCluster } from '../rolling/validate.js';
import { waitFor } from '../rolling/waiting.js';
import type { Direction, PhaseName } from './order.js';
import { inPhase, reconcilePhases } from './order.js';

export interface RollInOrderOptions extends Omit<RollOptions, 'include' | 'leaveRecordOpen'> {
  readonly direction: Direction;
  /** Phases an interrupted run finished: skipped. */
  readonly phasesDone: readonly PhaseName[];
  /** Saves a finished phase before the next starts. */
  readonly onPhaseDone: (phase: PhaseName) => Promise<void>;
}

export interface RollInOrderResult {
  readonly replaced: Readonly<Record<string, readonly string[]>>;
}

export async function rollInOrder(cloud: RollingCloud, opts: RollInOrderOptions): Promise<RollInOrderResult> {
  const replaced: Record<string, readonly string[]> = {};
  const phases = reconcilePhases(opts.direction);
  for (const [index, phase] of phases.entries()) {
    const events: EventSink = (e: HoistEvent) => opts.events({ ...e, data: { ...e.data, phase: phase.name } });
    const groups = (await cloud.groups()).filter((g) => inPhase(phase, g)).map((g) => g.name);
    if (opts.phasesDone.includes(phase.name)) {
      events({ level: 'info', code: 'reconcile.phase-skipped', message: `${phase.name}: finished by an earlier run`, data: { groups } });
      continue;
    }
    if (groups.length === 0) {
      events({ level: 'info', code: 'reconcile.phase-skipped', message: `${phase.name}: the cluster has no such group`, data: { groups } });
      await opts.onPhaseDone(phase.name);
      continue;
    }
    events({ level: 'info', code: 'reconcile.phase', message: `${phase.name} (${opts.direction === 'downgrade' ? 'downgrade' : 'upgrade'} order, phase ${index + 1} of ${phases.length}): ${groups.join(', ')}`, data: { groups, direction: opts.direction } });
    const result = await rollingUpdate(cloud, { ...opts, events, include: (g) => inPhase(phase, g), leaveRecordOpen: true });
    Object.assign(replaced, result.replaced);
    // The next phase starts only on a valid cluster, even when this one had nothing to replace.
    if (!opts.cloudOnly) await validateBetween(cloud, opts, events, phase.name);
    await opts.onPhaseDone(phase.name);
    const count = Object.values(result.replaced).reduce((n, ids) => n + ids.length, 0);
    events({ level: 'info', code: 'reconcile.phase-done', message: `${phase.name}: done, ${count} machine(s) replaced`, data: { groups, replaced: result.replaced } });
  }
  await opts.recorder.finished();
  return { replaced };
}

async function validateBetween(cloud: RollingCloud, opts: RollInOrderOptions, events: EventSink, phase: PhaseName): Promise<void> {
  let lastSaid = Date.now();
  const said: EventSink = (e) => ((lastSaid = Date.now()), events(e));
  const pending = await waitFor(
    {
      now: opts.now ?? Date.now,
      sleep: opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))),
      pollMs: opts.pollMs ?? cloud.pollMs,
      reportEveryMs: opts.reportEveryMs ?? 10_000,
      events: said,
      lastSaid: () => lastSaid,
    },
    {
      what: `the cluster to validate after the ${phase} phase`,
      timeoutMs: opts.validationTimeoutMs,
      look: async () => {
        const result = await validateCluster(cloud);
        return result.valid ? undefined : { message: result.failures.map((f) => `${f.name} ${f.message}`).join('; '), data: { failures: result.failures } };
      },
    },
  );
  if (pending !== undefined && !opts.failOnValidateError) {
    events({ level: 'warn', code: 'roll.validation-failed', message: `the cluster did not validate after the ${phase} phase, continuing: ${pending.message}` });
    return;
  }
  if (pending !== undefined) {
    throw new HoistError('ABORTED', `the cluster did not validate after the ${phase} phase: ${pending.message}; the next phase was not started`, {
      hint: 'hoist validate cluster shows each failure; fix it, then run hoist reconcile cluster --yes again to continue',
    });
  }
  said({ level: 'info', code: 'reconcile.validated', message: `${phase}: the cluster validates` });
}
