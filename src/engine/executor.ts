/**
 * The executor of the task engine: runs a graph of steps, each as soon as everything it depends
 * on has succeeded, under a bounded parallelism, with retries, per-step deadlines and cancel.
 *
 * Scheduling is list scheduling: whenever a slot frees, the ready step with the most work
 * hanging on it (the longest chain of steps that wait on it) takes it. Nothing waits for a
 * "level" of the graph to finish, so slots stay busy while any step is ready.
 */

import { setMaxListeners } from 'node:events';
import { HoistError } from '../errors.js';
import type { EventLevel, EventSink } from '../output/events.js';
import { errorMessage, formatSeconds, NotReadyError } from './executor-errors.js';
import { Slots } from './executor-slots.js';
import { driveStep } from './executor-step.js';
import type { StepOutcome, StepPolicy } from './executor-step.js';
import { bottomLevels, indexGraph } from './graph.js';

export { CycleError } from './graph.js';
export { NotReadyError, StepCancelledError, StepDeadlineError } from './executor-errors.js';

export interface Step<R = unknown> {
  /** e.g. "Subnet/us-east-1a.demo.example.com" or "delete Network/…" */
  readonly id: string;
  /** Ids of the steps that must succeed first. */
  readonly dependsOn: readonly string[];
  /** Shown in progress; the id when absent. */
  readonly label?: string;
  /** The signal aborts at the step's deadline or on cancel. */
  run(signal: AbortSignal): Promise<R>;
}

export interface ExecutorOptions {
  /** At most this many steps run at once; default 10. */
  readonly parallelism?: number;
  /** Per step, including its retries and the waits between them; default 10 minutes. */
  readonly stepDeadlineMs?: number;
  /** Exponential backoff with full jitter; defaults 200 ms, 10 s, unlimited (until the deadline). */
  readonly retry?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number; readonly maxAttempts?: number };
  /** Transient errors (throttling, 5xx); a NotReadyError is always retried. */
  readonly isRetryable?: (e: unknown) => boolean;
  /** Codes `executor.step.started|retrying|done|failed|skipped`. */
  readonly events?: EventSink;
  /** Called on every change of state. */
  readonly onProgress?: (p: Progress) => void;
  /** Cancel: running steps get their signal aborted, nothing new starts. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For jitter: a number in [0, 1). */
  readonly random?: () => number;
}

export interface Progress {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  /** Steps holding a slot now, in the order they took it; a step waiting to retry is not one. */
  readonly running: readonly string[];
}

export interface StepFailure {
  readonly id: string;
  readonly error: unknown;
  readonly attempts: number;
}

export interface ExecutionResult<R> {
  /** True when every step succeeded. */
  readonly ok: boolean;
  /** Step id to the value its run resolved with, in the order they finished. */
  readonly results: ReadonlyMap<string, R>;
  /** In the order they failed. */
  readonly failures: readonly StepFailure[];
  /** Steps that never started: a dependency failed, or the run was cancelled. Input order. */
  readonly skipped: readonly string[];
  /** From the call to the last step settling: the makespan. */
  readonly elapsedMs: number;
}

type State = 'waiting' | 'launched' | 'done' | 'failed' | 'skipped';

/**
 * Validates the graph (a bad graph throws before anything runs: HoistError for a duplicate id
 * or an unknown dependency, CycleError for cycles), then runs it. Failures do not throw: they
 * are in the result, with the steps they caused to be skipped.
 */
export async function execute<R>(steps: readonly Step<R>[], options: ExecutorOptions = {}): Promise<ExecutionResult<R>> {
  const graph = indexGraph(steps);
  const policy = resolvePolicy(options);
  const slots = new Slots(positiveInteger('parallelism', options.parallelism ?? 10));
  const priority = bottomLevels(graph, () => 1);
  const emit = options.events ?? (() => undefined);
  const label = (i: number): string => steps[i]!.label ?? steps[i]!.id;
  const startedAt = policy.now();

  const state: State[] = steps.map(() => 'waiting');
  const waitingOn = graph.deps.map((d) => d.length);
  const running = new Set<number>();
  const results = new Map<string, R>();
  const failures: StepFailure[] = [];
  let done = 0;
  let skipped = 0;
  let settled = 0;
  const cancel = new AbortController();
  // Every step waiting for its first slot listens to it: hundreds are normal, not a leak.
  setMaxListeners(0, cancel.signal);
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  const progress = (): void => {
    const ids = [...running].map((i) => steps[i]!.id);
    options.onProgress?.({ total: steps.length, done, failed: failures.length, skipped, running: ids });
  };
  /** `verb` is the last part of the code and the first word of the message. */
  const event = (i: number, level: EventLevel, verb: string, detail: string, data: Record<string, unknown>): void =>
    emit({ level, code: `executor.step.${verb}`, message: `${verb} ${label(i)}${detail}`, data: { id: steps[i]!.id, label: label(i), ...data } });
  const settle = (): void => {
    if (++settled === steps.length) finish();
  };

  const skip = (i: number, because: number | undefined): void => {
    state[i] = 'skipped';
    skipped++;
    if (because === undefined) event(i, 'warn', 'skipped', ': cancelled', { reason: 'cancelled' });
    else event(i, 'warn', 'skipped', `: ${label(because)} failed`, { reason: `${label(because)} failed`, because: steps[because]!.id });
    settle();
  };

  // Every step that waits on `failed`, directly or not, can never run.
  const skipDependents = (failed: number): void => {
    const stack = [...graph.dependents[failed]!];
    for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
      if (state[i] !== 'waiting') continue;
      skip(i, failed);
      stack.push(...graph.dependents[i]!);
    }
  };

  const ended = (i: number, outcome: StepOutcome<R>): void => {
    running.delete(i);
    const step = steps[i]!;
    if (outcome.kind === 'not-started') {
      skip(i, undefined);
    } else if (outcome.kind === 'done') {
      state[i] = 'done';
      done++;
      results.set(step.id, outcome.value);
      event(i, 'info', 'done', ` (${formatSeconds(outcome.elapsedMs)} s)`, { attempt: outcome.attempts, elapsedMs: outcome.elapsedMs });
      settle();
      for (const d of graph.dependents[i]!) if (--waitingOn[d]! === 0 && state[d] === 'waiting') launch(d);
      slots.release();
    } else {
      state[i] = 'failed';
      failures.push({ id: step.id, error: outcome.error, attempts: outcome.attempts });
      const error = errorMessage(outcome.error);
      event(i, 'error', 'failed', `: ${error}`, { attempt: outcome.attempts, elapsedMs: outcome.elapsedMs, error });
      settle();
      skipDependents(i);
      if (outcome.holdsSlot) slots.release();
    }
    progress();
  };

  const launch = (i: number): void => {
    state[i] = 'launched';
    const step = steps[i]!;
    driveStep(step, {
      slots,
      priority: priority[i]!,
      order: i,
      cancel: cancel.signal,
      policy,
      started: (attempt) => {
        running.add(i);
        event(i, 'debug', 'started', attempt === 1 ? '' : ` (attempt ${attempt})`, { attempt });
        progress();
      },
      retrying: (attempt, delayMs, error) => {
        running.delete(i);
        // Waiting for the cloud to catch up is expected; a transient error is worth a look.
        const level = error instanceof NotReadyError ? 'info' : 'warn';
        const message = errorMessage(error);
        event(i, level, 'retrying', ` in ${formatSeconds(delayMs)} s: ${message}`, { attempt, delayMs, error: message });
        progress();
      },
    })
      .then((outcome) => ended(i, outcome))
      // Only a throwing event sink or progress callback lands here: the run cannot go on.
      .catch((e: unknown) => {
        cancel.abort(e);
        fail(e);
      });
  };

  const onCancel = (): void => {
    cancel.abort(options.signal?.reason);
    steps.forEach((_, i) => state[i] === 'waiting' && skip(i, undefined));
    progress();
  };

  progress();
  if (steps.length === 0) finish();
  // The steps with the most work hanging on them first: they take the free slots at once.
  const roots = steps.map((_, i) => i).filter((i) => waitingOn[i] === 0);
  roots.sort((a, b) => priority[b]! - priority[a]! || a - b);
  for (const i of roots) launch(i);
  if (options.signal?.aborted) onCancel();
  else options.signal?.addEventListener('abort', onCancel, { once: true });
  try {
    await finished;
  } finally {
    options.signal?.removeEventListener('abort', onCancel);
  }
  return {
    ok: failures.length === 0 && skipped === 0,
    results,
    failures,
    skipped: steps.flatMap((s, i) => (state[i] === 'skipped' ? [s.id] : [])),
    elapsedMs: policy.now() - startedAt,
  };
}

function resolvePolicy(options: ExecutorOptions): StepPolicy {
  return {
    deadlineMs: positive('stepDeadlineMs', options.stepDeadlineMs ?? 10 * 60_000),
    baseDelayMs: nonNegative('retry.baseDelayMs', options.retry?.baseDelayMs ?? 200),
    maxDelayMs: nonNegative('retry.maxDelayMs', options.retry?.maxDelayMs ?? 10_000),
    maxAttempts: positive('retry.maxAttempts', options.retry?.maxAttempts ?? Infinity),
    isRetryable: options.isRetryable ?? (() => false),
    now: options.now ?? (() => performance.now()),
    sleep: options.sleep ?? sleep,
    random: options.random ?? Math.random,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function positiveInteger(name: string, value: number): number {
  if (Number.isInteger(value) && value >= 1) return value;
  throw new HoistError('INTERNAL', `executor option ${name} must be a whole number of at least 1, not ${value}`);
}

function positive(name: string, value: number): number {
  if (value > 0) return value;
  throw new HoistError('INTERNAL', `executor option ${name} must be more than 0, not ${value}`);
}

function nonNegative(name: string, value: number): number {
  if (value >= 0 && Number.isFinite(value)) return value;
  throw new HoistError('INTERNAL', `executor option ${name} must be 0 or more, not ${value}`);
}
