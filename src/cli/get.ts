/** `hoist get clusters [NAME]` and `hoist get instancegroups [IG...]`. */

import type { Command } from 'commander';
import { completeSpec } from '../api/index.js';
import type { Cluster, InstanceGroup } from '../api/index.js';
import { NotFoundError } from '../errors.js';
import { parseOutputFormat, renderTable } from '../output/format.js';
import type { OutputFormat } from '../output/format.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { printSpecs } from './shared/print-specs.js';

export interface GetOptions {
  readonly output?: string;
  readonly full?: boolean;
}

export async function runGetClusters(names: readonly string[], opts: GetOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const clients = await ctx.clientset();
  const wanted = names.length > 0 ? names.map((n) => ctx.clusterName(n)) : await clients.listClusters();
  // The table and the stored spec need only the Cluster objects; --full needs the groups too.
  const clusters = await Promise.all(
    wanted.map(async (name) => {
      const found = opts.full ? await clients.getSpecSet(name) : await clients.getCluster(name);
      if (!found) throw new NotFoundError(`cluster ${name} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
      if (!('instanceGroups' in found)) return found.object;
      return completeSpec(found.cluster.object, found.instanceGroups.map((v) => v.object)).cluster;
    }),
  );
  if (clusters.length === 0 && format === 'table') {
    ctx.io.err(`No clusters found in ${clients.store.url}\n`);
    return 0;
  }
  print(ctx, format, clusters, (rows) =>
    renderTable(rows as readonly Cluster[], [
      { header: 'NAME', value: (c) => c.metadata.name },
      { header: 'CLOUD', value: (c) => c.spec.cloudProvider },
      { header: 'ZONES', value: (c) => [...new Set((c.spec.subnets ?? []).map((s) => s.zone))].join(',') },
    ]),
  );
  return 0;
}

export async function runGetInstanceGroups(names: readonly string[], opts: GetOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const completed = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  const stored = new Map(set.instanceGroups.map((v) => [v.object.metadata.name, v.object]));
  for (const n of names) {
    if (!stored.has(n)) throw new NotFoundError(`instance group ${n} not found in cluster ${cluster}`, `list them with: hoist get instancegroups --name ${cluster}`);
  }
  const pick = (ig: InstanceGroup) => names.length === 0 || names.includes(ig.metadata.name);
  const full = completed.instanceGroups.filter(pick);
  const shown = opts.full ? full : set.instanceGroups.map((v) => v.object).filter(pick);
  const zoneOf = new Map((completed.cluster.spec.subnets ?? []).map((s) => [s.name, s.zone]));
  print(ctx, format, shown, () =>
    renderTable(full, [
      { header: 'NAME', value: (ig) => ig.metadata.name },
      { header: 'ROLE', value: (ig) => ig.spec.role },
      { header: 'MACHINETYPE', value: (ig) => ig.spec.machineType },
      { header: 'MIN', value: (ig) => ig.spec.minSize },
      { header: 'MAX', value: (ig) => ig.spec.maxSize },
      { header: 'ZONES', value: (ig) => [...new Set((ig.spec.subnets ?? []).map((s) => zoneOf.get(s) ?? s))].join(',') },
    ]),
  );
  return 0;
}

function print(ctx: Context, format: OutputFormat, objects: readonly object[], table: (rows: readonly object[]) => string): void {
  if (format === 'table') ctx.io.out(table(objects));
  else printSpecs(ctx.io, objects, format, false);
}

export function registerGet(program: Command, run: Runner): void {
  const get = program.command('get').description('list clusters and instance groups');
  const output = ['-o, --output <format>', 'table, yaml or json'] as const;
  get
    .command('clusters')
    .aliases(['cluster'])
    .argument('[names...]', 'cluster names (default: all)')
    .option(...output)
    .option('--full', 'show the completed spec, with every default filled in')
    .description('list clusters')
    .action(async (names: string[], opts: GetOptions, cmd: Command) => run(cmd, (ctx) => runGetClusters(names, opts, ctx)));
  get
    .command('instancegroups')
    .aliases(['instancegroup', 'ig'])
    .argument('[names...]', 'instance group names (default: all of the cluster)')
    .option(...output)
    .option('--full', 'show the completed spec, with every default filled in')
    .description('list the instance groups of the cluster named by --name')
    .action(async (names: string[], opts: GetOptions, cmd: Command) => run(cmd, (ctx) => runGetInstanceGroups(names, opts, ctx)));
}
