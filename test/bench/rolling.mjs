// Rolling 12 worker nodes on the local cloud with maxSurge 1 and with maxSurge 4: wall times,
// against the ideal ceil(12 / surge) x one node's replace time. Once on a local cloud whose
// instances boot in 2 s (a scaled-down VM boot: the targets), and once on one whose instances
// boot at once (informational: then a boot is only the host's CPU, which four boots share).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOIST, report, runHoist } from './lib.mjs';

const NAME = 'bench-roll.k8s.local';
const NODES = 12;
const BOOT_TIME = '2s';

/** Rolls the nodes; returns the roll's span (first batch to last replacement) and each batch's time, from its JSON-lines events. */
function roll(env) {
  const r = spawnSync(process.execPath, [HOIST, 'rolling-update', 'cluster', NAME, '--yes', '--force', '--instance-group', 'nodes-local-a', '--validate-count', '1', '-o', 'json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rolling-update failed: ${r.stderr}`);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const at = (e) => Date.parse(e.time);
  const batches = events.filter((e) => e.code === 'roll.batch').map(at);
  const done = events.filter((e) => e.code === 'roll.replaced').map(at);
  return { span: done.at(-1) - batches[0], batchTimes: done.map((t, i) => t - batches[i]) };
}

function setSurge(env, surge) {
  const yaml = runHoist(['get', 'ig', 'nodes-local-a', '--name', NAME, '-o', 'yaml'], env);
  const spec = yaml.replace(/\n {2}rollingUpdate:\n(?: {4}.*\n)+/, '\n').replace(/\nspec:\n/, `\nspec:\n  rollingUpdate:\n    maxSurge: ${surge}\n    maxUnavailable: 0\n`);
  runHoist(['replace', '-f', '-'], env, spec);
}

/** Both rolls on a fresh cluster of a fresh local cloud whose instances boot in `bootTime`. */
function scenario(bootTime, cidr) {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-bench-roll-'));
  // KUBECONFIG: a roll drains each node through the cluster's Kubernetes API, by the context export writes.
  const env = { HOIST_LOCAL_CLOUD_DIR: join(dir, 'cloud'), HOIST_STATE_STORE: `file://${join(dir, 'state')}`, HOIST_LOCAL_CLOUD_BOOT_TIME: bootTime, KUBECONFIG: join(dir, 'kubeconfig') };
  try {
    runHoist(['create', 'cluster', NAME, '--network-cidr', cidr, '--node-count', String(NODES)], env);
    runHoist(['update', 'cluster', NAME, '--yes'], env);
    runHoist(['validate', 'cluster', NAME, '--wait', '120s'], env);
    runHoist(['export', 'kubeconfig', NAME, '--admin'], env);
    setSurge(env, 1);
    const one = roll(env);
    setSurge(env, 4);
    const four = roll(env);
    // One node's replace time: the median batch of the surge-1 roll, each batch one node.
    const perNode = [...one.batchTimes].sort((a, b) => a - b)[Math.floor(one.batchTimes.length / 2)];
    const ideal = (n) => Math.ceil(NODES / n) * perNode;
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`  rolling ${NODES} nodes, boot time ${bootTime}: maxSurge 1 ${s(one.span)} (ideal ${s(ideal(1))}), maxSurge 4 ${s(four.span)} (ideal ${s(ideal(4))}); one node's replace ${s(perNode)}`);
    return { overIdeal: ((four.span - ideal(4)) / ideal(4)) * 100, ratio: (four.span / one.span) * 100 };
  } finally {
    spawnSync(process.execPath, [HOIST, 'delete', 'cluster', NAME, '--yes'], { env: { ...process.env, ...env } });
    stopCloud(env.HOIST_LOCAL_CLOUD_DIR);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchRolling(results) {
  const booting = scenario(BOOT_TIME, '127.190.0.0/16');
  report(results, `rolling 12 nodes, boot ${BOOT_TIME}, maxSurge 4: over its ideal`, booting.overIdeal, '%', 30);
  report(results, `rolling 12 nodes, boot ${BOOT_TIME}, maxSurge 4 / maxSurge 1 time`, booting.ratio, '%', 40);
  const instant = scenario('0s', '127.189.0.0/16');
  console.log(`  instant boots (no target: four boots share the host's cores): maxSurge 4 ${instant.overIdeal.toFixed(0)} % over its ideal, ${instant.ratio.toFixed(0)} % of the maxSurge 1 time`);
}

function stopCloud(cloudDir) {
  try {
    const { pid } = JSON.parse(readFileSync(join(cloudDir, 'daemon.json'), 'utf8'));
    process.kill(pid, 'SIGTERM');
  } catch {
    // not running
  }
  spawnSync(process.execPath, [HOIST, 'local-cloud', 'stop'], { env: { ...process.env, HOIST_LOCAL_CLOUD_DIR: cloudDir } });
}
