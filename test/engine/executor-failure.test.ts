import { describe, expect, it } from 'vitest';
import { execute, NotReadyError, StepCancelledError, StepDeadlineError } from '../../src/engine/executor.js';
import type { ExecutorOptions, Progress, Step } from '../../src/engine/executor.js';
import { recorder } from '../../src/output/events.js';
import { tracer, VirtualClock } from './executor-clock.js';

function harness() {
  const clock = new VirtualClock();
  const trace = tracer(clock);
  const step = (id: string, dependsOn: string[], ms: number, error?: unknown): Step<string> => ({
    id,
    dependsOn,
    run: (signal) =>
      trace.wrap(id, async () => {
        await clock.sleep(ms, signal);
        if (error !== undefined) throw error;
        return id;
      }),
  });
  /** Ignores its signal and never settles. */
  const hang = (id: string, dependsOn: string[] = [], seen?: AbortSignal[]): Step<string> => ({
    id,
    dependsOn,
    run: (signal) => (seen?.push(signal), new Promise<string>(() => undefined)),
  });
  const run = <R>(steps: Step<R>[], options: ExecutorOptions = {}) =>
    clock.run(execute(steps, { now: clock.now, sleep: clock.sleep, random: () => 0.5, ...options }));
  return { clock, trace, step, hang, run };
}

describe('execute: failures', () => {
  it('skips exactly the steps that depend on a failed one, directly or not', async () => {
    const { step, run } = harness();
    const { sink, events } = recorder();
    const result = await run(
      [
        step('d', ['c', 'e'], 10),
        step('a', [], 10, new Error('access denied')),
        step('b', ['a'], 10),
        step('c', ['b'], 10),
        step('e', [], 30),
        step('f', ['e'], 10),
        step('g', [], 50),
      ],
      { events: sink },
    );
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([{ id: 'a', error: new Error('access denied'), attempts: 1 }]);
    expect(result.skipped).toEqual(['d', 'b', 'c']);
    expect([...result.results.keys()].sort()).toEqual(['e', 'f', 'g']);
    const skips = events.filter((e) => e.code === 'executor.step.skipped');
    expect(skips.map((e) => e.message).sort()).toEqual(['skipped b: a failed', 'skipped c: a failed', 'skipped d: a failed']);
    expect(skips[0]?.data).toMatchObject({ because: 'a' });
    expect(events.find((e) => e.code === 'executor.step.failed')).toMatchObject({
      level: 'error',
      message: 'failed a: access denied',
      data: { id: 'a', attempt: 1, error: 'access denied' },
    });
  });

  it('skips a step with two failed dependencies once', async () => {
    const { step, run } = harness();
    const progress: Progress[] = [];
    const result = await run([step('x', [], 10, new Error('x')), step('y', [], 20, new Error('y')), step('z', ['x', 'y'], 10)], {
      onProgress: (p) => progress.push(p),
    });
    expect(result.skipped).toEqual(['z']);
    expect(result.failures.map((f) => f.id)).toEqual(['x', 'y']);
    expect(progress.at(-1)).toEqual({ total: 3, done: 0, failed: 2, skipped: 1, running: [] });
  });

  it('aborts a step at its deadline, fails it there, and frees its slot', async () => {
    const { clock, trace, step, hang, run } = harness();
    const seen: AbortSignal[] = [];
    const result = await run([hang('stuck', [], seen), step('next', [], 10), step('after', ['stuck'], 10)], {
      parallelism: 1,
      stepDeadlineMs: 60_000,
    });
    expect(seen[0]?.aborted).toBe(true);
    expect(seen[0]?.reason).toBeInstanceOf(StepDeadlineError);
    expect(result.failures.map((f) => [f.id, (f.error as Error).message])).toEqual([['stuck', 'deadline of 60 s exceeded']]);
    expect(trace.starts('next')).toEqual([60_000]);
    expect(result.skipped).toEqual(['after']);
    expect(result.elapsedMs).toBe(60_010);
    expect(clock.pending).toBe(0);
  });

  it('reports the deadline, not the abort, for a step that stops when its signal aborts', async () => {
    const { step, run } = harness();
    const result = await run([step('slow', [], 1_000)], { stepDeadlineMs: 50 });
    expect(result.failures[0]?.error).toBeInstanceOf(StepDeadlineError);
    expect((result.failures[0]?.error as Error).message).toBe('deadline of 0.05 s exceeded');
    expect(result.elapsedMs).toBe(50);
  });

  it('counts the deadline from the first start, across retries', async () => {
    const { clock, trace, run } = harness();
    let attempt = 0;
    const slowSecond: Step<string> = {
      id: 's',
      dependsOn: [],
      run: (signal) => trace.wrap('s', () => (attempt++ === 0 ? Promise.reject(new NotReadyError('not yet')) : clock.sleep(1_000, signal).then(() => 's'))),
    };
    const result = await run([slowSecond], { stepDeadlineMs: 300 });
    expect(trace.starts('s')).toEqual([0, 100]);
    expect((result.failures[0]?.error as Error).message).toBe('deadline of 0.3 s exceeded after 2 attempts');
    expect(result.elapsedMs).toBe(300);
  });

  it('uses real timers for deadlines by default', async () => {
    const result = await execute([{ id: 'stuck', dependsOn: [], run: () => new Promise<never>(() => undefined) }], { stepDeadlineMs: 20 });
    expect(result.failures[0]?.error).toBeInstanceOf(StepDeadlineError);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(19);
  });
});

describe('execute: cancel', () => {
  it('aborts running steps, starts nothing new and keeps what finished', async () => {
    const { clock, trace, step, hang, run } = harness();
    const cancel = new AbortController();
    const seen: AbortSignal[] = [];
    void clock.sleep(25).then(() => cancel.abort(new Error('interrupted')));
    const { sink, events } = recorder();
    const result = await run(
      [step('a', [], 10), step('b', ['a'], 100), hang('deaf', [], seen), step('c', ['b'], 10), step('d', [], 10), step('e', [], 10)],
      { parallelism: 3, signal: cancel.signal, events: sink },
    );
    // a, deaf and d start at 0; at 10 b and e take the slots of a and d; e ends at 20.
    expect([...result.results.keys()]).toEqual(['a', 'd', 'e']);
    expect(result.failures.map((f) => f.id).sort()).toEqual(['b', 'deaf']);
    for (const f of result.failures) expect(f.error).toBeInstanceOf(StepCancelledError);
    expect((result.failures[0]?.error as Error).cause).toEqual(new Error('interrupted'));
    expect(result.skipped).toEqual(['c']);
    expect(seen[0]?.aborted).toBe(true);
    // Not waiting for the step that ignores its signal.
    expect(result.elapsedMs).toBe(25);
    expect(trace.starts('c')).toEqual([]);
    expect(events.find((e) => e.code === 'executor.step.skipped')?.message).toBe('skipped c: cancelled');
    expect(clock.pending).toBe(0);
  });

  it('runs nothing when cancelled before it starts', async () => {
    const { trace, step, run } = harness();
    const cancel = new AbortController();
    cancel.abort();
    const result = await run([step('a', [], 10), step('b', ['a'], 10)], { signal: cancel.signal });
    expect(trace.log).toEqual([]);
    expect(result).toMatchObject({ ok: false, failures: [], skipped: ['a', 'b'] });
  });

  it('ends a step that waits to retry', async () => {
    const { clock, run } = harness();
    const cancel = new AbortController();
    void clock.sleep(50).then(() => cancel.abort());
    const result = await run([{ id: 'r', dependsOn: [], run: () => Promise.reject(new NotReadyError('not yet')) }], { signal: cancel.signal });
    expect(result.failures[0]).toMatchObject({ id: 'r', attempts: 1 });
    expect(result.failures[0]?.error).toBeInstanceOf(StepCancelledError);
    expect(result.elapsedMs).toBe(50);
  });
});
