/**
 * `hoist validate cluster [NAME]`: are all instance groups at their target size, every machine
 * Ready, and the API answering through its load balancer? With the cluster's kubeconfig context
 * (`--kubeconfig`, else $KUBECONFIG, else ~/.kube/config), also kops's checks through the
 * Kubernetes API: every machine's Node Ready, the control plane's pods running and ready. Each
 * failure names the machine, node or pod and what it last reported. `--wait` polls until the
 * cluster validates `--count` times in a row.
 */

import type { Command } from 'commander';
import { stringify } from 'yaml';
import { HoistError, invalidFlag } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import { inspectCluster } from '../../cloudup/pipeline/spec.js';
import type { ClusterValidation } from '../../cloudup/rolling/validate.js';
import { validateCluster } from '../../cloudup/rolling/validate.js';
import { etcdValidation } from '../../cloudup/rolling/validate-etcd.js';
import { addonFailures } from '../../cloudup/rolling/validate-addons.js';
import { kubeconfigFiles, loadClusterKubeconfig } from '../../cloudup/rolling/kubeconfig-load.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { duration } from './shared/duration.js';
import { integer } from './shared/flags.js';

export interface ValidateOptions {
  readonly wait?: number;
  readonly count?: number;
  readonly output?: string;
  readonly pollMs?: number;
  /** `--interval`: the time between tries of --wait (kops's flag); pollMs is the tests' name for it. */
  readonly interval?: number;
  readonly kubeconfig?: string;
}

export async function runValidateCluster(positional: string | undefined, opts: ValidateOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const format = parseOutputFormat(opts.output);
  const count = opts.count ?? 1;
  if (count < 1) throw new HoistError('INVALID_FLAG', '--count must be at least 1');
  const source = { ...(opts.kubeconfig !== undefined ? { flag: opts.kubeconfig } : {}), env: ctx.io.env, cwd: ctx.io.cwd };
  const kube = loadClusterKubeconfig(source, cluster);
  if (kube === undefined) {
    const files = kubeconfigFiles(source).join(', ');
    if (opts.kubeconfig !== undefined) throw invalidFlag('--kubeconfig', opts.kubeconfig, `has no context ${cluster}`, `write one: hoist export kubeconfig ${cluster} --admin --kubeconfig ${opts.kubeconfig}`);
    ctx.io.events({
      level: 'warn',
      code: 'validate.no-kubeconfig',
      message: `the Kubernetes API's checks (Nodes Ready, control-plane pods running) were skipped: no context ${cluster} in ${files}; write one with: hoist export kubeconfig ${cluster} --admin`,
      data: { files },
    });
  }
  const { session, completed } = await inspectCluster(await ctx.clientset(), cluster, { env: ctx.io.env, events: ctx.io.events, readOnly: true });
  const etcd = etcdValidation({ store: await ctx.store(), cluster, etcdClusters: completed.cluster.spec.etcdClusters.map((e) => ({ name: e.name, members: e.etcdMembers.map((m) => m.name) })) });
  let result: ClusterValidation;
  let streak = 0;
  try {
    const store = await ctx.store();
    const cloud = await session.rolling(store);
    const checks = [() => addonFailures(store, cluster), etcd];
    const deadline = Date.now() + (opts.wait ?? 0);
    for (;;) {
      result = await validateCluster(cloud, undefined, kube, checks);
      streak = result.valid ? streak + 1 : 0;
      if (streak >= count || Date.now() >= deadline) break;
      if (!result.valid && format === 'table') ctx.io.err(`not valid yet: ${result.failures.length} failure(s); retrying\n`);
      await new Promise((r) => setTimeout(r, opts.interval ?? opts.pollMs ?? 2000));
    }
  } finally {
    await session.close();
  }
  const valid = streak >= count;
  if (format === 'json') ctx.io.out(renderJson({ cluster, ...result, valid }));
  else if (format === 'yaml') ctx.io.out(stringify({ cluster, ...result, valid }));
  else ctx.io.out(renderValidation(cluster, result, valid));
  return valid ? 0 : 1;
}

function renderValidation(cluster: string, result: ClusterValidation, valid: boolean): string {
  const groups = renderTable(result.groups, [
    { header: 'NAME', value: (g) => g.name },
    { header: 'ROLE', value: (g) => g.role },
    { header: 'DESIRED', value: (g) => g.desired },
    { header: 'INSTANCES', value: (g) => g.instances },
    { header: 'READY', value: (g) => g.ready },
  ]);
  const out = [`INSTANCE GROUPS\n${groups}`];
  if (result.failures.length > 0) {
    out.push(`VALIDATION ERRORS\n${renderTable(result.failures, [
      { header: 'KIND', value: (f) => f.kind },
      { header: 'NAME', value: (f) => f.name },
      { header: 'MESSAGE', value: (f) => f.message },
    ])}`);
  }
  out.push(valid ? `Your cluster ${cluster} is ready\n` : `Validation of ${cluster} failed\n`);
  return out.join('\n');
}

export function registerValidate(program: Command, run: Runner): void {
  program
    .command('validate')
    .description('check that a cluster is healthy')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('--wait <duration>', 'keep trying until the cluster is valid or this much time has passed (e.g. 10m)', duration('--wait'))
    .option('--count <n>', 'how many validations in a row must pass', integer('--count'), 1)
    .option('--interval <duration>', 'with --wait: the time between tries (default 2s)', duration('--interval'))
    .option('-o, --output <format>', 'table, yaml or json')
    .option('--kubeconfig <file>', "the kubeconfig with the cluster's context, for the checks through the Kubernetes API (default $KUBECONFIG, else ~/.kube/config)")
    .description('validate instance groups, machines, the API endpoint and, through the Kubernetes API, nodes and control-plane pods')
    .action(async (name: string | undefined, opts: ValidateOptions, cmd: Command) => run(cmd, (ctx) => runValidateCluster(name, opts, ctx)));
}
