/**
 * Simulated time for executor tests: `now` and `sleep` for the executor and for the steps, and
 * a driver that jumps to the next timer whenever nothing else can happen. Schedules then come
 * out exact (a 20 ms step takes 20 ms), so tests can assert start times and makespans.
 */

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

export class VirtualClock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];

  readonly now = (): number => this.time;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  /** Pending timers, e.g. to check that a finished run left none behind. */
  get pending(): number {
    return this.timers.length;
  }

  /** Settles `promise`, moving time on each time every promise chain has come to rest. */
  async run<T>(promise: Promise<T>, limitMs = 1e9): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    for (;;) {
      // A macrotask turn: every chain of promise reactions has run by then.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return watched;
      const next = this.timers.reduce<Timer | undefined>((a, t) => (a === undefined || t.at < a.at || (t.at === a.at && t.seq < a.seq) ? t : a), undefined);
      if (next === undefined) throw new Error(`nothing left to wait for at ${this.time} ms, yet the promise has not settled`);
      if (next.at > limitMs) throw new Error(`still running at ${limitMs} ms`);
      this.time = next.at;
      const due = this.timers.filter((t) => t.at === next.at).sort((a, b) => a.seq - b.seq);
      this.timers = this.timers.filter((t) => t.at !== next.at);
      for (const t of due) t.fire();
    }
  }
}

/** What a step saw of the run: when it started and ended, and how many ran beside it. */
export interface Trace {
  readonly log: { readonly id: string; readonly what: 'start' | 'end'; readonly at: number; readonly seq: number }[];
  readonly maxRunning: () => number;
  readonly starts: (id: string) => number[];
  readonly ends: (id: string) => number[];
}

/** Instruments steps: call `trace.wrap(id, body)` as a step's run. */
export function tracer(clock: { now: () => number }): Trace & { wrap: <R>(id: string, body: () => Promise<R>) => Promise<R> } {
  const log: Trace['log'] = [];
  let running = 0;
  let max = 0;
  let seq = 0;
  return {
    log,
    maxRunning: () => max,
    starts: (id) => log.filter((e) => e.id === id && e.what === 'start').map((e) => e.at),
    ends: (id) => log.filter((e) => e.id === id && e.what === 'end').map((e) => e.at),
    async wrap<R>(id: string, body: () => Promise<R>): Promise<R> {
      log.push({ id, what: 'start', at: clock.now(), seq: seq++ });
      max = Math.max(max, ++running);
      try {
        return await body();
      } finally {
        running--;
        log.push({ id, what: 'end', at: clock.now(), seq: seq++ });
      }
    },
  };
}
