/**
 * The roll's waits (for new machines, for drains, for validation) poll the cloud until a
 * condition holds or a timeout passes. A wait can last many minutes, so each one says what it is
 * still waiting for at a steady interval: the group, the machines and what they last reported.
 */

import type { EventSink } from '../../src/output/events.js';

export interface WaitClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** How often to look again, at most (a wait's first looks come sooner: see waitFor). */
  readonly pollMs: number;
  /** The longest silence: a wait speaks up when the roll has said nothing for this long. */
  readonly reportEveryMs: number;
  readonly events: EventSink;
  /** When the roll last said anything (any event, not only the waits'). */
  readonly lastSaid: () => number;
}

/** What a wait still waits for, in words and as data for JSON output. */
export interface Pending {
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface WaitSpec {
  /** What is awaited, e.g. `nodes: the new instance(s) to be Ready`. */
  readonly what: string;
  readonly timeoutMs: number;
  /** Undefined when the wait is over, else what it still waits for. */
  readonly look: () => Promise<Pending | undefined>;
}

/** The first pause of a wait; each next one doubles, up to the clock's pollMs. */
export const FIRST_POLL_MS = 250;

/**
 * Polls until `look` is satisfied (undefined) or the timeout passes (what was still pending).
 * The pauses start short and double up to `pollMs`: many waits are over within a second (a
 * machine the cloud started at once, pods that were deleted when evicted, a cluster that is
 * valid already), and a fixed poll of several seconds made each of them last that long; a wait
 * that goes on costs the same looks as before, give or take a few.
 */
export async function waitFor(clock: WaitClock, spec: WaitSpec): Promise<Pending | undefined> {
  const started = clock.now();
  for (let pause = Math.min(FIRST_POLL_MS, clock.pollMs); ; pause = Math.min(pause * 2, clock.pollMs)) {
    const pending = await spec.look();
    if (pending === undefined) return undefined;
    const now = clock.now();
    if (now - started > spec.timeoutMs) return pending;
    if (now - clock.lastSaid() >= clock.reportEveryMs) {
      const elapsed = Math.round((now - started) / 1000);
      clock.events({
        level: 'info',
        code: 'roll.still-waiting',
        message: `still waiting for ${spec.what} (${elapsed} s of ${Math.round(spec.timeoutMs / 1000)} s): ${pending.message}`,
        data: { waitingFor: spec.what, elapsedMs: now - started, timeoutMs: spec.timeoutMs, ...pending.data },
      });
    }
    // Wake up in time to speak, however long the poll interval is.
    const untilReport = clock.lastSaid() + clock.reportEveryMs - clock.now();
    await clock.sleep(Math.max(1, Math.min(pause, untilReport)));
  }
}
