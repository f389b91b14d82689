import { describe, expect, it } from 'vitest';
import { execute, NotReadyError, StepDeadlineError } from '../../src/engine/executor.js';
import type { ExecutorOptions, Progress, Step } from '../../src/engine/executor.js';
import { recorder } from '../../src/output/events.js';
import { tracer, VirtualClock } from './executor-clock.js';

class Throttled extends Error {
  readonly code = 'Throttling';
}

/** A step whose attempts fail with the given errors, in turn, then succeed after `ms`. */
function harness() {
  const clock = new VirtualClock();
  const trace = tracer(clock);
  const flaky = (id: string, errors: unknown[], ms = 0, dependsOn: string[] = []): Step<string> => {
    let attempt = 0;
    return {
      id,
      dependsOn,
      run: () =>
        trace.wrap(id, async () => {
          await clock.sleep(ms);
          const error = errors[attempt++];
          if (error !== undefined) throw error;
          return id;
        }),
    };
  };
  const run = <R>(steps: Step<R>[], options: ExecutorOptions = {}) =>
    clock.run(execute(steps, { now: clock.now, sleep: clock.sleep, random: () => 0.5, ...options }));
  return { clock, trace, flaky, run };
}

const notReady = (n: number) => Array.from({ length: n }, () => new NotReadyError('still in use'));

describe('execute: retries', () => {
  it('retries a NotReadyError with exponential backoff', async () => {
    const { trace, flaky, run } = harness();
    const { sink, events } = recorder();
    const result = await run([flaky('a', notReady(3))], { events: sink });
    expect(result.ok).toBe(true);
    // Half of 200, 400 and 800 ms with random() = 0.5.
    expect(trace.starts('a')).toEqual([0, 100, 300, 700]);
    const retries = events.filter((e) => e.code === 'executor.step.retrying');
    expect(retries.map((e) => e.data)).toEqual([1, 2, 3].map((attempt) => ({ id: 'a', label: 'a', attempt, delayMs: 100 * 2 ** (attempt - 1), error: 'still in use' })));
    expect(retries[0]?.message).toBe('retrying a in 0.1 s: still in use');
    expect(retries[0]?.level).toBe('info');
    expect(events.at(-1)?.data).toMatchObject({ id: 'a', attempt: 4 });
  });

  it('draws each delay uniformly below the capped exponential (full jitter)', async () => {
    const { flaky, run } = harness();
    const { sink, events } = recorder();
    let seed = 7;
    const draws: number[] = [];
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      draws.push((seed - 1) / 2147483646);
      return draws.at(-1)!;
    };
    await run([flaky('a', notReady(12))], { events: sink, random, retry: { baseDelayMs: 100, maxDelayMs: 3_000 } });
    const delays = events.filter((e) => e.code === 'executor.step.retrying').map((e) => e.data?.['delayMs'] as number);
    expect(delays).toHaveLength(12);
    delays.forEach((d, i) => {
      const cap = Math.min(3_000, 100 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(cap);
      expect(d).toBeCloseTo(cap * draws[i]!, 9);
    });
  });

  it('caps the delay at maxDelayMs', async () => {
    const { trace, flaky, run } = harness();
    await run([flaky('a', notReady(5))], { random: () => 1, retry: { baseDelayMs: 200, maxDelayMs: 1_000 } });
    const starts = trace.starts('a');
    expect(starts.slice(1).map((s, i) => s - starts[i]!)).toEqual([200, 400, 800, 1_000, 1_000]);
  });

  it('retries what isRetryable accepts, and fails at once on anything else', async () => {
    const { flaky, run } = harness();
    const { sink, events } = recorder();
    const isRetryable = (e: unknown) => e instanceof Throttled;
    const result = await run([flaky('t', [new Throttled('slow down'), new Throttled('slow down')]), flaky('x', [new Error('denied')])], {
      isRetryable,
      events: sink,
    });
    expect(result.results.get('t')).toBe('t');
    expect(result.failures).toEqual([{ id: 'x', error: new Error('denied'), attempts: 1 }]);
    expect(events.filter((e) => e.code === 'executor.step.retrying').map((e) => `${e.level} ${e.data?.['id']}`)).toEqual(['warn t', 'warn t']);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { trace, flaky, run } = harness();
    const result = await run([flaky('a', notReady(10))], { retry: { maxAttempts: 3 } });
    expect(trace.starts('a')).toHaveLength(3);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ id: 'a', attempts: 3 });
    expect(result.failures[0]?.error).toBeInstanceOf(NotReadyError);
  });

  it('does not hold a slot while it waits to retry', async () => {
    const { trace, flaky, run } = harness();
    const progress: Progress[] = [];
    const result = await run([flaky('a', notReady(1)), flaky('b', [], 50)], { parallelism: 1, onProgress: (p) => progress.push(p) });
    expect(trace.starts('b')).toEqual([0]);
    // a wakes at 100 ms, after b has given the slot back at 50 ms.
    expect(trace.starts('a')).toEqual([0, 100]);
    expect(result.elapsedMs).toBe(100);
    expect(progress.every((p) => p.running.length <= 1)).toBe(true);
  });

  it('works with a sleep that returns at once, as a stub to skip backoff', async () => {
    let attempts = 0;
    const step: Step<number> = { id: 'a', dependsOn: [], run: async () => (++attempts < 4 ? Promise.reject(new NotReadyError('not yet')) : attempts) };
    const result = await execute([step], { sleep: async () => undefined, stepDeadlineMs: 60_000 });
    expect(result.results.get('a')).toBe(4);
  });

  it('gives up when the next attempt would start past the deadline', async () => {
    const { trace, flaky, run, clock } = harness();
    const result = await run([flaky('a', notReady(100))], { stepDeadlineMs: 1_000 });
    // Attempts at 0, 100, 300 and 700 ms; the next would be at 1,500 ms.
    expect(trace.starts('a')).toEqual([0, 100, 300, 700]);
    expect(result.elapsedMs).toBe(700);
    const error = result.failures[0]?.error;
    expect(error).toBeInstanceOf(StepDeadlineError);
    expect((error as Error).message).toBe('deadline of 1 s exceeded after 4 attempts: still in use');
    expect((error as Error).cause).toBeInstanceOf(NotReadyError);
    expect(clock.pending).toBe(0);
  });

  it('fails a step whose deadline passes while it waits for a slot to retry in, and frees nothing it does not hold', async () => {
    const { clock, trace, flaky, run } = harness();
    const hang: Step<string> = { id: 'hang', dependsOn: [], run: () => new Promise<string>(() => undefined) };
    const result = await run([flaky('a', notReady(1)), hang, flaky('x1', [], 10), flaky('x2', [], 10)], {
      parallelism: 1,
      stepDeadlineMs: 500,
    });
    expect(result.failures.map((f) => [f.id, (f.error as Error).message])).toEqual([
      ['a', 'deadline of 0.5 s exceeded: still in use'],
      ['hang', 'deadline of 0.5 s exceeded'],
    ]);
    // One slot throughout: had a's end given back a slot it did not hold, both would start at 500.
    expect(trace.starts('x1')).toEqual([500]);
    expect(trace.starts('x2')).toEqual([510]);
    expect(clock.pending).toBe(0);
  });
});
