/**
 * `hoist get all [CLUSTER] [-o table|yaml|json]`: the cluster and its instance groups, as kops's
 * `get all` shows them: two tables, or one stream (a List in JSON) that `create -f` and
 * `replace -f` take back as it is.
 */

import type { Command } from 'commander';
import { HoistError, NotFoundError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import type { Context } from './context.js';
import { runGetClusters } from './get-clusters.js';
import { runGetInstanceGroups } from './get-instancegroups.js';
import type { Runner } from './program.js';
import { printSpecs } from './shared/print-specs.js';

export async function runGetAll(positional: string | undefined, opts: { readonly output?: string }, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  if (format !== 'table') {
    printSpecs(ctx.io, [set.cluster.object, ...set.instanceGroups.map((v) => v.object)], format, false);
    return 0;
  }
  ctx.io.out('Cluster\n');
  await runGetClusters([cluster], {}, ctx);
  ctx.io.out('\nInstance groups\n');
  // The instance groups' command reads the cluster from the context: give it this one.
  await runGetInstanceGroups([], {}, { ...ctx, clusterName: (p) => ctx.clusterName(p ?? cluster) });
  return 0;
}

export function registerGetAll(program: Command, run: Runner): void {
  const get = program.commands.find((c) => c.name() === 'get');
  if (get === undefined) throw new HoistError('INTERNAL', 'the get command must be registered before get all');
  get
    .command('all')
    .argument('[cluster]', 'cluster name (default: --name)')
    .option('-o, --output <format>', 'table, yaml or json')
    .description('show the cluster and its instance groups')
    .action(async (cluster: string | undefined, opts: { output?: string }, cmd: Command) => run(cmd, (ctx) => runGetAll(cluster, opts, ctx)));
}
