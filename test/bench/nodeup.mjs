// nodeup benchmark: a worker of the standard local cluster configured in-process under a root
// folder (first apply: download, verify and extract its archives, copy its credentials, write
// its files), then the no-change rerun (discover everything, plan, nothing to apply).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ROOT, importSources, median, report } from './lib.mjs';

const RUNS = 5;

/** nodeup and the cloud side that prepares its state store, bundled from their TypeScript. */
function loadNodeup() {
  return importSources([
    "export { completeSpec, newClusterSpec } from './src/api/index.ts';",
    "export { SPEC_RULES } from './cloudup/providers.ts';",
    "export { planNodeupConfigs, prepareNodes } from './cloudup/nodeup/index.ts';",
    "export { runNodeup } from './nodeup/run.ts';",
    "export { openStore } from './state-store/open.ts';",
  ]);
}

export async function benchNodeup(results) {
  // The local cloud's asset mirror serves the stand-ins the bundle builds: name the built CLI, as
  // the module bundled into a temporary folder has no package above it to find it by.
  process.env.HOIST_BIN ??= join(ROOT, 'dist', 'hoist.js');
  const dir = mkdtempSync(join(tmpdir(), 'hoist-bench-nodeup-'));
  try {
    const m = await loadNodeup();
    const spec = m.newClusterSpec({ name: 'demo.k8s.local', cloud: 'local', zones: [], topology: 'public', kubernetesVersion: '1.34.0' }, m.SPEC_RULES);
    const completed = m.completeSpec(spec.cluster, spec.instanceGroups);
    mkdirSync(join(dir, 'state'));
    const stateStore = pathToFileURL(join(dir, 'state')).href;
    const store = await m.openStore(stateStore);
    const configs = await m.planNodeupConfigs(completed, { stateStore, env: { HOIST_LOCAL_CLOUD_DIR: join(dir, 'cloud') }, events: () => {} });
    await m.prepareNodes(store, completed, configs, () => {});
    const boot = join(dir, 'boot.yaml');
    const cfg = configs.get('nodes-local-a');
    writeFileSync(boot, `stateStore: ${stateStore}\ncluster: demo.k8s.local\ninstanceGroup: nodes-local-a\nconfigHash: ${cfg.hash}\n`);
    const nodeup = (root) => m.runNodeup({ bootFile: boot, root, env: {}, events: () => {}, instanceId: 'i-bench', address: '127.119.0.2', store });

    const first = [];
    const again = [];
    for (let i = 0; i <= RUNS; i++) {
      const root = join(dir, `root-${i}`);
      let t = performance.now();
      const applied = await nodeup(root);
      const ms = performance.now() - t;
      t = performance.now();
      const rerun = await nodeup(root);
      const rerunMs = performance.now() - t;
      if (applied.applied === 0 || rerun.applied !== 0) throw new Error(`nodeup applied ${applied.applied} then ${rerun.applied} changes`);
      // The first round warms the module and file caches.
      if (i > 0) {
        first.push(ms);
        again.push(rerunMs);
      }
    }
    report(results, 'nodeup, worker, first apply under --root (median)', median(first), 'ms', 1000);
    report(results, 'nodeup, worker, no-change rerun (median)', median(again), 'ms', 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
