// Executor benchmark: 500 steps of 20 ms on real timers, parallelism 10, in two seeded DAGs,
// against the lower bound max(critical path, total work / parallelism) of any schedule.
import { importSources, median, report } from './lib.mjs';

const STEPS = 500;
const STEP_MS = 20;
const PARALLELISM = 10;
const RUNS = 3;

/** The executor straight from its TypeScript, bundled into one module (~50 ms). */
function loadEngine() {
  return importSources(["export { execute } from './src/engine/executor.ts';", "export { criticalPath } from './src/engine/graph.ts';"]);
}

/** mulberry32: a small seeded generator, so that every run builds the same graphs. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (random, n) => Math.floor(random() * n);

/**
 * Layers of random width, each step depending on 1 to 3 steps of the layer before and now and
 * then on one further back: the critical path (~25 steps) is well under work / parallelism.
 */
function wideDag(random) {
  const nodes = [];
  const layers = [];
  while (nodes.length < STEPS) {
    const width = Math.min(STEPS - nodes.length, 10 + pick(random, 21));
    const layer = [];
    for (let k = 0; k < width; k++) {
      const deps = new Set();
      const previous = layers.at(-1);
      if (previous) for (let d = 1 + pick(random, 3); d > 0; d--) deps.add(previous[pick(random, previous.length)]);
      if (layers.length > 2 && random() < 0.3) {
        const older = layers[pick(random, layers.length - 1)];
        deps.add(older[pick(random, older.length)]);
      }
      const id = `Step/${nodes.length}`;
      nodes.push({ id, dependsOn: [...deps] });
      layer.push(id);
    }
    layers.push(layer);
  }
  return nodes;
}

/**
 * A chain of 60 steps (1.2 s) with the other 440 hanging off its first 45 links, some in short
 * chains of their own: the critical path is above work / parallelism (1 s), so the schedule is
 * only as good as its care to keep the chain moving while side steps compete for slots.
 */
function deepDag(random) {
  const nodes = [];
  const chain = [];
  for (let i = 0; i < 60; i++) {
    const id = `Chain/${i}`;
    nodes.push({ id, dependsOn: i === 0 ? [] : [chain[i - 1]] });
    chain.push(id);
  }
  const side = [];
  while (nodes.length < STEPS) {
    const deps = new Set([chain[pick(random, 45)]]);
    if (side.length > 0 && random() < 0.3) deps.add(side[pick(random, side.length)]);
    const id = `Side/${side.length}`;
    nodes.push({ id, dependsOn: [...deps] });
    side.push(id);
  }
  // Listed side steps first: input order must not be what saves the chain.
  return [...nodes.slice(60), ...nodes.slice(0, 60)];
}

async function makespan(engine, nodes) {
  const steps = nodes.map((n) => ({ ...n, run: () => new Promise((resolve) => setTimeout(resolve, STEP_MS)) }));
  const result = await engine.execute(steps, { parallelism: PARALLELISM });
  if (!result.ok) throw new Error(`the benchmark's steps failed: ${result.failures.map((f) => f.id).join(', ')}`);
  return result.elapsedMs;
}

export async function benchExecutor(results) {
  const engine = await loadEngine();
  for (const [name, dag] of [
    ['wide DAG', wideDag(seeded(20240601))],
    ['deep DAG', deepDag(seeded(7))],
  ]) {
    const path = engine.criticalPath(dag, () => STEP_MS);
    const work = (dag.length * STEP_MS) / PARALLELISM;
    const bound = Math.max(path, work);
    await makespan(engine, dag); // warm up the code paths once
    const ms = [];
    for (let i = 0; i < RUNS; i++) ms.push(await makespan(engine, dag));
    const m = median(ms);
    report(results, `executor, ${dag.length} steps of ${STEP_MS} ms, ${name}: over bound`, (m / bound - 1) * 100, '%', 15);
    console.log(`  makespan ${m.toFixed(0)} ms (median of ${RUNS}), bound ${bound} ms = max(critical path ${path} ms, work / ${PARALLELISM} = ${work} ms)`);
  }
}
