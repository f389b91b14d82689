/**
 * `hoist get addons [CLUSTER] [-o table|yaml|json]`: each addon of the published channel
 * (`<cluster>/addons/channel.yaml`) with its source, desired version, and what the control
 * plane's applier last reported for it (`<cluster>/status/addons.json`): the applied version,
 * its phase and health, and the error of a failed one. Reads the state store only.
 */

import type { Command } from 'commander';
import { parse } from 'yaml';
import { HoistError, NotFoundError } from '../errors.js';
import { parseOutputFormat, renderTable } from '../output/format.js';
import { AddonStatusReportSchema, addonStatusKey } from '../../nodeup/addons/channel.js';
import type { AddonEntry, AddonStatus, AddonStatusReport } from '../../nodeup/addons/channel.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { readChannel } from '../../cloudup/addons/tasks.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { printSpecs } from './shared/print-specs.js';

export interface GetAddonsOptions {
  readonly output?: string;
}

/** One addon as `get addons` shows it; `applied` is absent until the applier reports it. */
export interface AddonView {
  readonly name: string;
  readonly source: AddonEntry['source'] | 'removed';
  readonly from?: string;
  /** The channel's version; absent for an addon the channel no longer names (being pruned). */
  readonly version?: string;
  readonly sha256?: string;
  readonly applied?: Omit<AddonStatus, 'name'>;
  /** Whether the applier reports the channel's manifest (same sha256) as applied and healthy. */
  readonly upToDate: boolean;
}

export async function runGetAddons(positional: string | undefined, opts: GetAddonsOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  if (!(await clients.getCluster(cluster))) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const store = await ctx.store();
  const [channel, report] = await Promise.all([readChannel(store, cluster), readReport(store, cluster)]);
  if (channel === undefined) {
    if (format === 'table') ctx.io.err(`No addons are published for ${cluster} yet: hoist update cluster ${cluster} --yes publishes them.\n`);
    else printSpecs(ctx.io, [], format, false);
    return 0;
  }
  const views = addonViews(channel.addons, report);
  if (format !== 'table') {
    printSpecs(ctx.io, views, format, false);
    return 0;
  }
  ctx.io.out(
    renderTable(views, [
      { header: 'NAME', value: (v) => v.name },
      { header: 'SOURCE', value: (v) => v.source },
      { header: 'VERSION', value: (v) => v.version ?? '-' },
      { header: 'APPLIED', value: (v) => (v.applied === undefined ? 'not applied yet' : `${v.applied.version}${v.sha256 !== undefined && v.applied.sha256 !== v.sha256 ? ' (older manifest)' : ''}`) },
      { header: 'PHASE', value: (v) => v.applied?.phase ?? '-' },
      { header: 'HEALTH', value: (v) => (v.applied === undefined ? '-' : v.applied.healthy ? 'healthy' : 'unhealthy') },
    ]),
  );
  const failed = views.filter((v) => v.applied?.error !== undefined);
  for (const v of failed) ctx.io.out(`\n${v.name}: ${v.applied?.error ?? ''}`);
  if (failed.length > 0) ctx.io.out('\n');
  if (report !== undefined) ctx.io.out(`\nReported by ${report.instanceId} at ${report.updatedAt}.\n`);
  return 0;
}

export function addonViews(entries: readonly AddonEntry[], report: AddonStatusReport | undefined): AddonView[] {
  const statuses = new Map((report?.addons ?? []).map((s) => [s.name, s]));
  const strip = (s: AddonStatus | undefined): Omit<AddonStatus, 'name'> | undefined => {
    if (s === undefined) return undefined;
    const { name: _name, ...rest } = s;
    return rest;
  };
  const named = entries.map((e): AddonView => {
    const applied = strip(statuses.get(e.name));
    return {
      name: e.name,
      source: e.source,
      ...(e.from === undefined ? {} : { from: e.from }),
      version: e.version,
      sha256: e.sha256,
      ...(applied === undefined ? {} : { applied }),
      upToDate: applied !== undefined && applied.sha256 === e.sha256 && applied.phase === 'Applied' && applied.healthy,
    };
  });
  // What the applier still reports but the channel no longer names: being (or already) pruned.
  const known = new Set(entries.map((e) => e.name));
  const removed = (report?.addons ?? []).filter((s) => !known.has(s.name)).map((s): AddonView => ({ name: s.name, source: 'removed', applied: strip(s)!, upToDate: s.phase === 'Pruned' }));
  return [...named, ...removed];
}

async function readReport(store: ObjectStore, cluster: string): Promise<AddonStatusReport | undefined> {
  const key = addonStatusKey(cluster);
  const object = await store.get(key);
  if (object === undefined) return undefined;
  const parsed = AddonStatusReportSchema.safeParse(parse(Buffer.from(object.body).toString('utf8')));
  if (!parsed.success) throw new HoistError('STORE', `${store.url}/${key} is not an addon status report: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { hint: 'the control plane\'s applier rewrites it at its next pass' });
  return parsed.data;
}

export function registerGetAddons(program: Command, run: Runner): void {
  const get = program.commands.find((c) => c.name() === 'get');
  if (get === undefined) throw new HoistError('INTERNAL', 'the get command must be registered before get addons');
  get
    .command('addons')
    .aliases(['addon'])
    .argument('[cluster]', 'cluster name (default: --name)')
    .option('-o, --output <format>', 'table, yaml or json')
    .description('list the addons published for the cluster, with the version the control plane applied and their health')
    .action(async (name: string | undefined, opts: GetAddonsOptions, cmd: Command) => run(cmd, (ctx) => runGetAddons(name, opts, ctx)));
}
