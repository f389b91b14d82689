import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execute } from '../../src/engine/executor.js';
import type { Step } from '../../src/engine/executor.js';
import { criticalPath } from '../../src/engine/graph.js';
import { tracer, VirtualClock } from './executor-clock.js';

interface Node {
  readonly id: string;
  readonly dependsOn: string[];
  readonly ms: number;
  readonly fails: boolean;
}

/** A random DAG (each node depends only on earlier ones), listed in a random order. */
const dags = (failRate: number) =>
  fc
    .integer({ min: 1, max: 30 })
    .chain((size) =>
      fc.tuple(
        fc.array(
          fc.record({
            deps: fc.array(fc.nat({ max: 1_000 }), { maxLength: 4 }),
            ms: fc.integer({ min: 0, max: 50 }),
            fails: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < failRate),
          }),
          { minLength: size, maxLength: size },
        ),
        fc.array(fc.double({ noNaN: true }), { minLength: size, maxLength: size }),
      ),
    )
    .map(([specs, keys]) => {
      const nodes: Node[] = specs.map((s, i) => ({
        id: `s${i}`,
        dependsOn: i === 0 ? [] : [...new Set(s.deps.map((d) => `s${d % i}`))],
        ms: s.ms,
        fails: s.fails,
      }));
      return nodes.map((node, i) => ({ node, key: keys[i]! })).sort((a, b) => a.key - b.key).map((x) => x.node);
    });

async function runDag(nodes: readonly Node[], parallelism: number) {
  const clock = new VirtualClock();
  const trace = tracer(clock);
  const steps: Step<string>[] = nodes.map((n) => ({
    id: n.id,
    dependsOn: n.dependsOn,
    run: () =>
      trace.wrap(n.id, async () => {
        await clock.sleep(n.ms);
        if (n.fails) throw new Error(`${n.id} broke`);
        return n.id;
      }),
  }));
  const result = await clock.run(execute(steps, { parallelism, now: clock.now, sleep: clock.sleep }));
  return { result, trace };
}

describe('execute: properties', () => {
  it('runs every step once, after all of its dependencies, never more than N at once, with no idle slot while work is ready', async () => {
    await fc.assert(
      fc.asyncProperty(dags(0), fc.integer({ min: 1, max: 6 }), async (nodes, parallelism) => {
        const { result, trace } = await runDag(nodes, parallelism);
        expect(result.ok).toBe(true);
        expect(result.results.size).toBe(nodes.length);
        for (const n of nodes) {
          const starts = trace.log.filter((e) => e.id === n.id && e.what === 'start');
          expect(starts).toHaveLength(1);
          for (const d of n.dependsOn) {
            const end = trace.log.find((e) => e.id === d && e.what === 'end');
            expect(end!.seq).toBeLessThan(starts[0]!.seq);
          }
        }
        expect(trace.maxRunning()).toBeLessThanOrEqual(parallelism);
        // Graham's bound holds for any schedule that never leaves a slot idle while a step is ready.
        const work = nodes.reduce((sum, n) => sum + n.ms, 0);
        const longest = criticalPath(nodes, (n) => n.ms);
        expect(result.elapsedMs).toBeLessThanOrEqual((work - longest) / parallelism + longest + 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('fails the failing steps, skips what depends on them and runs everything else', async () => {
    await fc.assert(
      fc.asyncProperty(dags(0.2), fc.integer({ min: 1, max: 6 }), async (nodes, parallelism) => {
        const { result } = await runDag(nodes, parallelism);
        const byId = new Map(nodes.map((n) => [n.id, n]));
        const ran = new Map<string, boolean>();
        const succeeded = (id: string): boolean => runs(id) && !byId.get(id)!.fails;
        const runs = (id: string): boolean => {
          if (!ran.has(id)) ran.set(id, byId.get(id)!.dependsOn.every(succeeded));
          return ran.get(id)!;
        };
        const ids = nodes.map((n) => n.id);
        expect([...result.results.keys()].sort()).toEqual(ids.filter(succeeded).sort());
        expect(result.failures.map((f) => f.id).sort()).toEqual(ids.filter((id) => runs(id) && !succeeded(id)).sort());
        expect(result.skipped).toEqual(ids.filter((id) => !runs(id)));
        expect(result.ok).toBe(result.failures.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});
