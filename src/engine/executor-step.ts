/**
 * One step's life in the executor: its slot, its attempts, the waits between them, and its
 * deadline. The executor decides when a step may start; this decides how it ends.
 */

import { NotReadyError, StepCancelledError, StepDeadlineError } from './executor-errors.js';
import type { Slots } from './executor-slots.js';
import type { Step } from './executor.js';

export interface StepPolicy {
  readonly deadlineMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  readonly isRetryable: (e: unknown) => boolean;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
}

export interface StepContext {
  readonly slots: Slots;
  /** Larger first: see Slots. */
  readonly priority: number;
  readonly order: number;
  /** Aborts when the whole run is cancelled. */
  readonly cancel: AbortSignal;
  readonly policy: StepPolicy;
  /** The step holds a slot and an attempt begins. */
  readonly started: (attempt: number) => void;
  /** The attempt failed with an error worth another try: the slot is given back meanwhile. */
  readonly retrying: (attempt: number, delayMs: number, error: unknown) => void;
}

/**
 * How a step ended. A step that ends holding its slot leaves it to the executor, which gives it
 * back after queueing the steps that were waiting on this one, so that they compete for it too.
 */
export type StepOutcome<R> =
  | { readonly kind: 'done'; readonly value: R; readonly attempts: number; readonly elapsedMs: number }
  | {
      readonly kind: 'failed';
      readonly error: unknown;
      readonly attempts: number;
      readonly elapsedMs: number;
      /** False when it ended while waiting for a slot to retry in. */
      readonly holdsSlot: boolean;
    }
  /** Cancelled before it ever got a slot: it holds none. */
  | { readonly kind: 'not-started' };

export async function driveStep<R>(step: Step<R>, ctx: StepContext): Promise<StepOutcome<R>> {
  const { slots, policy } = ctx;
  if (!(await slots.acquire(ctx.priority, ctx.order, ctx.cancel))) return { kind: 'not-started' };
  // The slot may have been granted in the same turn as the cancel: give it back unused.
  if (ctx.cancel.aborted) {
    slots.release();
    return { kind: 'not-started' };
  }
  const startedAt = policy.now();
  const deadlineAt = startedAt + policy.deadlineMs;
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(new StepCancelledError(ctx.cancel.reason));
  ctx.cancel.addEventListener('abort', onCancel, { once: true });
  // The deadline runs on the injected clock, so that tests can move time on by hand. A sleep
  // that returns at once (a common stub to skip backoff) must not end every step on the spot:
  // then only the checks before each retry enforce the deadline.
  const deadlineTimer = new AbortController();
  policy.sleep(policy.deadlineMs, deadlineTimer.signal).then(
    () => {
      if (policy.now() - startedAt >= policy.deadlineMs / 2) controller.abort(new StepDeadlineError(policy.deadlineMs));
    },
    () => undefined,
  );
  const ended = (error: unknown, attempts: number, holdsSlot = true): StepOutcome<R> => ({
    kind: 'failed',
    error,
    attempts,
    elapsedMs: policy.now() - startedAt,
    holdsSlot,
  });
  try {
    for (let attempt = 1; ; attempt++) {
      ctx.started(attempt);
      let error: unknown;
      try {
        const value = await raceAbort(runOnce(step, controller.signal), controller.signal);
        return { kind: 'done', value, attempts: attempt, elapsedMs: policy.now() - startedAt };
      } catch (e) {
        error = e;
      }
      if (controller.signal.aborted) return ended(abortError(controller.signal, error, attempt), attempt);
      if (!(error instanceof NotReadyError || policy.isRetryable(error)) || attempt >= policy.maxAttempts) {
        return ended(error, attempt);
      }
      const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * policy.random();
      // Waiting past the deadline only to give up there would hold up the steps after this one.
      if (policy.now() + delayMs >= deadlineAt) return ended(new StepDeadlineError(policy.deadlineMs, attempt, error), attempt);
      ctx.retrying(attempt, delayMs, error);
      slots.release();
      await policy.sleep(delayMs, controller.signal).catch(() => undefined);
      const again = !controller.signal.aborted && (await slots.acquire(ctx.priority, ctx.order, controller.signal));
      if (!again) return ended(abortError(controller.signal, error, attempt), attempt, false);
    }
  } finally {
    deadlineTimer.abort();
    ctx.cancel.removeEventListener('abort', onCancel);
  }
}

async function runOnce<R>(step: Step<R>, signal: AbortSignal): Promise<R> {
  return step.run(signal);
}

/** The step's own rejection, or the deadline or cancel that cut it short (with it as cause). */
function abortError(signal: AbortSignal, error: unknown, attempts: number): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof StepDeadlineError) return new StepDeadlineError(reason.deadlineMs, attempts, error === reason ? undefined : error);
  return reason;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<R>(promise: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
