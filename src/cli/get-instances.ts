/**
 * `hoist get instances [--name CLUSTER] [-o table|yaml|json]`: every machine of the cluster as
 * its cloud lists it, joined with what the machine's nodeup last reported (phase, config hash,
 * last error) or, before nodeup runs, its boot script's failure report (a `Boot/<step>` error),
 * so that a user sees why a machine is not ready without logging in to it; a control-plane
 * machine whose addon applier reports addons that failed to apply shows them too.
 * Columns are a list: later needs add theirs to INSTANCE_COLUMNS.
 */

import type { Command } from 'commander';
import { parseOutputFormat, renderJson, renderTable, renderYamlDocuments } from '../output/format.js';
import type { Column } from '../output/format.js';
import { hashText } from '../../nodeup/config/hash.js';
import { nodeupConfigKey } from '../../nodeup/config/keys.js';
import { readInstanceStatuses } from '../../nodeup/status.js';
import type { InstanceStatus } from '../../nodeup/status.js';
import { failuresByInstance, readAddonReport } from '../../cloudup/addons/report.js';
import type { AddonFailure } from '../../cloudup/addons/report.js';
import type { CloudInstance } from '../../cloudup/provider.js';
import { inspectCluster } from '../../cloudup/pipeline/spec.js';
import { outOfDate, staleFields } from '../../cloudup/rolling/out-of-date.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export interface GetInstancesOptions {
  readonly output?: string;
}

/** One row: the cloud's view of a machine and its node's own report. */
export interface InstanceRow extends CloudInstance {
  /** Configuring, Ready or Failed; absent until the machine's nodeup first reports. */
  readonly phase?: string;
  /** The hash of the nodeup.yaml the machine runs with (from its report). */
  readonly configHash?: string;
  /** The hash of its group's nodeup.yaml as stored now. */
  readonly expectedConfigHash?: string;
  /** current, outdated, or unknown (no report yet, or no stored config). */
  readonly config: 'current' | 'outdated' | 'unknown';
  /** Its nodeup's last error, or its boot script's (task `Boot/<step>`, with the try it was). */
  readonly lastError?: { readonly task?: string; readonly message: string; readonly attempt?: number };
  readonly statusUpdatedAt?: string;
  /** The addons this machine's applier reports Failed (status/addons.json), with the API server's error. */
  readonly addonFailures?: readonly AddonFailure[];
  /** Whether rolling-update would replace it, and why: its template version or its config hash. */
  readonly needsUpdate: boolean;
  readonly updateReason?: string;
}

const short = (hash: string | undefined) => (hash === undefined ? '' : hash.replace(/^sha256:/, '').slice(0, 12));

export const INSTANCE_COLUMNS: Column<InstanceRow>[] = [
  { header: 'NAME(ID)', value: (r) => r.id },
  { header: 'GROUP', value: (r) => r.instanceGroup },
  { header: 'ROLE', value: (r) => r.role },
  { header: 'STATE', value: (r) => r.state },
  { header: 'ADDRESS', value: (r) => r.address ?? '' },
  { header: 'PHASE', value: (r) => r.phase ?? '-' },
  { header: 'NEEDUPDATE', value: (r) => (r.needsUpdate ? r.updateReason ?? 'yes' : 'no') },
  { header: 'CONFIG', value: (r) => (r.configHash === undefined ? r.config : `${r.config} ${short(r.configHash)}`) },
  { header: 'LAST-ERROR', value: (r) => [lastErrorText(r.lastError), ...(r.addonFailures ?? []).map(addonText)].filter((t) => t !== '').join('; ') },
];

const addonText = (f: AddonFailure): string => `Addon/${f.addon} ${f.version}: ${f.message}`.replace(/\s+/g, ' ');

function lastErrorText(e: InstanceRow['lastError']): string {
  if (e === undefined) return '';
  const attempt = e.attempt !== undefined && e.attempt > 1 ? ` (attempt ${e.attempt})` : '';
  return `${e.task ? `${e.task}: ` : ''}${e.message}${attempt}`.replace(/\s+/g, ' ');
}

export function instanceRows(instances: readonly CloudInstance[], statuses: ReadonlyMap<string, InstanceStatus>, expected: ReadonlyMap<string, string>, addons: ReadonlyMap<string, readonly AddonFailure[]> = new Map()): InstanceRow[] {
  const order = { pending: 0, running: 0, stopping: 1, terminated: 2 } as Record<string, number>;
  return [...instances]
    .sort((a, b) => (order[a.state] ?? 1) - (order[b.state] ?? 1) || a.instanceGroup.localeCompare(b.instanceGroup) || a.launchedAt.localeCompare(b.launchedAt) || a.id.localeCompare(b.id))
    .map((i) => {
      const s = statuses.get(i.id);
      const want = expected.get(i.instanceGroup);
      const config = s === undefined || want === undefined ? 'unknown' : s.configHash === want ? 'current' : 'outdated';
      const stale = outOfDate({ state: i.state, launchedFrom: i.templateVersion, groupLaunches: i.latestTemplateVersion, configOutdated: config === 'outdated' });
      return {
        ...i,
        ...(s === undefined ? {} : { phase: s.phase, configHash: s.configHash, statusUpdatedAt: s.updatedAt }),
        ...(want === undefined ? {} : { expectedConfigHash: want }),
        config,
        ...(s?.phase === 'Failed' && s.error !== undefined ? { lastError: s.error } : {}),
        ...(addons.has(i.id) ? { addonFailures: addons.get(i.id) } : {}),
        ...staleFields(stale),
      };
    });
}

async function storedConfigHashes(store: ObjectStore, cluster: string, groups: readonly string[]): Promise<Map<string, string>> {
  const entries = await Promise.all(
    groups.map(async (ig) => {
      const found = await store.get(nodeupConfigKey(cluster, ig));
      return found === undefined ? undefined : ([ig, hashText(Buffer.from(found.body).toString('utf8'))] as const);
    }),
  );
  return new Map(entries.filter((e) => e !== undefined));
}

export async function runGetInstances(opts: GetInstancesOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName();
  const { completed, session } = await inspectCluster(await ctx.clientset(), cluster, { env: ctx.io.env, events: ctx.io.events, readOnly: true });
  try {
    const store = await ctx.store();
    const [instances, statuses, expected, addonReport] = await Promise.all([
      session.listInstances(),
      readInstanceStatuses(store, cluster),
      storedConfigHashes(store, cluster, completed.instanceGroups.map((ig) => ig.metadata.name)),
      // An unreadable report does not hide the machines: it is reported, and the rows go without it.
      readAddonReport(store, cluster).catch((e: unknown) => {
        ctx.io.events({ level: 'warn', code: 'addons.report-unreadable', message: e instanceof Error ? e.message : String(e) });
        return undefined;
      }),
    ]);
    const rows = instanceRows(instances, statuses, expected, failuresByInstance(addonReport));
    if (format === 'json') ctx.io.out(renderJson(rows));
    else if (format === 'yaml') ctx.io.out(renderYamlDocuments(rows));
    else if (rows.length === 0) ctx.io.err(`No instances of ${cluster}: apply it with hoist update cluster ${cluster} --yes\n`);
    else ctx.io.out(renderTable(rows, INSTANCE_COLUMNS));
    return 0;
  } finally {
    await session.close();
  }
}

/** `get instances`, under the `get` command that registerGet made. */
export function registerGetInstances(program: Command, run: Runner): void {
  const get = program.commands.find((c) => c.name() === 'get');
  if (get === undefined) throw new Error('registerGetInstances runs after registerGet');
  get
    .command('instances')
    .aliases(['instance'])
    .option('-o, --output <format>', 'table, yaml or json')
    .description('list the machines of the cluster named by --name, with what their nodeup reported')
    .action(async (opts: GetInstancesOptions, cmd: Command) => run(cmd, (ctx) => runGetInstances(opts, ctx)));
}
