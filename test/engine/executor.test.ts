import { describe, expect, it } from 'vitest';
import { CycleError, execute } from '../../src/engine/executor.js';
import type { ExecutorOptions, Progress, Step } from '../../src/engine/executor.js';
import { recorder } from '../../src/output/events.js';
import { tracer, VirtualClock } from './executor-clock.js';

/** Steps that each sleep on the virtual clock for their duration and return their id. */
function harness() {
  const clock = new VirtualClock();
  const trace = tracer(clock);
  const step = (id: string, dependsOn: string[], ms: number): Step<string> => ({
    id,
    dependsOn,
    run: () => trace.wrap(id, () => clock.sleep(ms).then(() => id)),
  });
  const run = <R>(steps: Step<R>[], options: ExecutorOptions = {}) =>
    clock.run(execute(steps, { now: clock.now, sleep: clock.sleep, random: () => 0.5, ...options }));
  return { clock, trace, step, run };
}

describe('execute: scheduling', () => {
  it('returns at once for no steps', async () => {
    const progress: Progress[] = [];
    const result = await execute([], { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ ok: true, failures: [], skipped: [] });
    expect(result.results.size).toBe(0);
    expect(progress).toEqual([{ total: 0, done: 0, failed: 0, skipped: 0, running: [] }]);
  });

  it('never runs more steps at once than the parallelism', async () => {
    const { trace, step, run } = harness();
    const steps = Array.from({ length: 40 }, (_, i) => step(`s${i}`, [], 10 + (i % 7)));
    const result = await run(steps, { parallelism: 4 });
    expect(result.ok).toBe(true);
    expect(trace.maxRunning()).toBe(4);
    expect(result.results.size).toBe(40);
  });

  it('starts a step only after every dependency has finished', async () => {
    const { trace, step, run } = harness();
    const result = await run([
      step('c', ['a', 'b'], 5),
      step('a', [], 10),
      step('b', [], 30),
      step('d', ['c'], 5),
    ]);
    expect(result.ok).toBe(true);
    expect(trace.starts('c')).toEqual([30]);
    expect(trace.starts('d')).toEqual([35]);
    expect(result.elapsedMs).toBe(40);
    expect([...result.results.keys()]).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts a step as soon as it is ready, not when its "level" is done', async () => {
    const { trace, step, run } = harness();
    // Level by level, b2 would wait for the slow a1 to finish at 100 ms.
    const result = await run([step('a1', [], 100), step('a2', [], 10), step('b2', ['a2'], 10), step('c2', ['b2'], 10)], { parallelism: 2 });
    expect(trace.starts('b2')).toEqual([10]);
    expect(trace.starts('c2')).toEqual([20]);
    expect(result.elapsedMs).toBe(100);
  });

  it('keeps every slot busy while steps are ready', async () => {
    const { trace, step, run } = harness();
    // 3 independent chains of 4 steps and 12 loose steps, 10 ms each: 240 ms of work on 3 slots.
    const chains = [0, 1, 2].flatMap((c) => [0, 1, 2, 3].map((k) => step(`c${c}.${k}`, k === 0 ? [] : [`c${c}.${k - 1}`], 10)));
    const loose = Array.from({ length: 12 }, (_, i) => step(`l${i}`, [], 10));
    const result = await run([...loose, ...chains], { parallelism: 3 });
    expect(result.elapsedMs).toBe(80);
    expect(trace.maxRunning()).toBe(3);
  });

  it('gives free slots to the steps with the longest chain waiting on them', async () => {
    const { trace, step, run } = harness();
    // One slot: the chain head goes first although it is listed last, then each link as it frees.
    const chain = [0, 1, 2].map((k) => step(`chain${k}`, k === 0 ? [] : [`chain${k - 1}`], 10));
    const result = await run([step('x', [], 10), step('y', [], 10), ...chain.reverse()], { parallelism: 2 });
    expect(trace.starts('chain0')).toEqual([0]);
    expect(trace.starts('chain1')).toEqual([10]);
    expect(trace.starts('chain2')).toEqual([20]);
    expect(result.elapsedMs).toBe(30);
  });

  it('breaks ties between equal steps by input order', async () => {
    const { trace, step, run } = harness();
    await run(['a', 'b', 'c', 'd'].map((id) => step(id, [], 10)), { parallelism: 1 });
    expect(trace.log.filter((e) => e.what === 'start').map((e) => e.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('passes each step an abort signal and keeps its result', async () => {
    const seen: AbortSignal[] = [];
    const result = await execute([{ id: 'a', dependsOn: [], run: async (signal) => (seen.push(signal), 42) }]);
    expect(result.results.get('a')).toBe(42);
    expect(seen[0]?.aborted).toBe(false);
  });

  it('counts a step that throws synchronously as failed', async () => {
    const result = await execute([
      {
        id: 'a',
        dependsOn: [],
        run: () => {
          throw new Error('boom');
        },
      },
    ]);
    expect(result.failures).toEqual([{ id: 'a', error: new Error('boom'), attempts: 1 }]);
  });

  it('runs nothing when the graph is invalid', async () => {
    let ran = 0;
    const s = (id: string, dependsOn: string[]): Step => ({ id, dependsOn, run: async () => void ran++ });
    await expect(execute([s('a', ['b']), s('b', ['a']), s('c', [])])).rejects.toThrow(CycleError);
    await expect(execute([s('a', []), s('a', [])])).rejects.toThrow('"a" is the id of more than one step (items 1 and 2)');
    await expect(execute([s('a', ['nope'])])).rejects.toThrow('step "a" depends on "nope", which is not a step');
    expect(ran).toBe(0);
  });

  it('refuses a parallelism below 1', async () => {
    await expect(execute([], { parallelism: 0 })).rejects.toThrow('parallelism must be a whole number of at least 1, not 0');
  });

  it('reports progress on every change and events with what a log needs', async () => {
    const { step, run } = harness();
    const { sink, events } = recorder();
    const progress: Progress[] = [];
    await run([step('a', [], 10), { ...step('b', ['a'], 5), label: 'the b' }], { events: sink, onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => `${p.done}/${p.total} [${p.running.join(',')}]`)).toEqual([
      '0/2 []',
      '0/2 [a]',
      '1/2 []',
      '1/2 [b]',
      '2/2 []',
    ]);
    expect(events.map((e) => `${e.level} ${e.code} ${e.message}`)).toEqual([
      'debug executor.step.started started a',
      'info executor.step.done done a (0.01 s)',
      'debug executor.step.started started the b',
      'info executor.step.done done the b (0.01 s)',
    ]);
    expect(events[3]?.data).toEqual({ id: 'b', label: 'the b', attempt: 1, elapsedMs: 5 });
  });

  it('runs with the real clock when none is given', async () => {
    const steps: Step<number>[] = Array.from({ length: 6 }, (_, i) => ({
      id: `s${i}`,
      dependsOn: i < 3 ? [] : [`s${i - 3}`],
      run: () => new Promise<number>((resolve) => setTimeout(() => resolve(i), 5)),
    }));
    const result = await execute(steps, { parallelism: 3 });
    expect(result.ok).toBe(true);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(9);
    expect([...result.results.values()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
