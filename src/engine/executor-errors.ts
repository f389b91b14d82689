import { HoistError } from '../errors.js';

/**
 * Thrown by a step that cannot proceed yet (e.g. a dependency still in use, an instance not
 * up): retried with backoff. It is a conflict with the cloud's current state, hence the code.
 */
export class NotReadyError extends HoistError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('CONFLICT', message, { cause: options?.cause });
  }
}

/** A step ran out of time, counting every attempt and every wait between them. */
export class StepDeadlineError extends HoistError {
  readonly deadlineMs: number;

  /** `last` is the error of the last attempt when the deadline cut a retry short. */
  constructor(deadlineMs: number, attempts?: number, last?: unknown) {
    const after = attempts === undefined || attempts < 2 ? '' : ` after ${attempts} attempts`;
    const because = last === undefined ? '' : `: ${errorMessage(last)}`;
    super('ABORTED', `deadline of ${formatSeconds(deadlineMs)} s exceeded${after}${because}`, {
      cause: last,
      hint: 'a step that needs longer can be given a larger deadline',
    });
    this.deadlineMs = deadlineMs;
  }
}

/** The run was cancelled while the step was running or waiting to retry. */
export class StepCancelledError extends HoistError {
  constructor(reason: unknown) {
    super('ABORTED', 'cancelled before it finished', { cause: reason });
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Seconds for people: "600", "1.2", "0.05"; trailing zeros dropped. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return String(Number(s.toFixed(s >= 1 ? 1 : 2)));
}
