/**
 * `hoist toolbox dump [--name CLUSTER] [-o yaml|json]`: what support asks for first, as kops's
 * dump gives it, without SSH: the cluster (name, cloud, Kubernetes version, the revision of the
 * stored spec and the one last applied), its instance groups as the spec has them, and every
 * machine as its cloud lists it with what its nodeup last reported (the rows of `get
 * instances`). It reads the state store and lists the cloud's machines; it changes nothing.
 */

import type { Command } from 'commander';
import { invalidFlag } from '../errors.js';
import { renderJson } from '../output/format.js';
import { failuresByInstance, readAddonReport } from '../../cloudup/addons/report.js';
import { inspectCluster } from '../../cloudup/pipeline/spec.js';
import { nodeupConfigKey } from '../../nodeup/config/keys.js';
import { hashText } from '../../nodeup/config/hash.js';
import { readInstanceStatuses } from '../../nodeup/status.js';
import { listRevisionNumbers } from '../../state-store/history.js';
import { completedSpecKey } from '../../state-store/layout.js';
import type { Context } from './context.js';
import { instanceRows } from './get-instances.js';
import type { Runner } from './program.js';

export async function runToolboxDump(opts: { readonly output?: string }, ctx: Context): Promise<number> {
  const format = opts.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw invalidFlag('--output', format, 'is not an output format of toolbox dump', 'use yaml or json');
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  const { completed, session } = await inspectCluster(clients, cluster, { env: ctx.io.env, events: ctx.io.events, readOnly: true });
  try {
    const store = await ctx.store();
    const groups = completed.instanceGroups.map((ig) => ig.metadata.name);
    const [instances, statuses, applied, addonReport, ...configs] = await Promise.all([
      session.listInstances(),
      readInstanceStatuses(store, cluster),
      store.get(completedSpecKey(cluster)),
      readAddonReport(store, cluster).catch(() => undefined),
      ...groups.map((ig) => store.get(nodeupConfigKey(cluster, ig))),
    ]);
    const expected = new Map(groups.flatMap((ig, i) => {
      const found = configs[i];
      return found === undefined ? [] : [[ig, hashText(Buffer.from(found.body).toString('utf8'))] as const];
    }));
    const revisions = await listRevisionNumbers(store, cluster);
    const dump = {
      cluster: {
        name: cluster,
        cloud: completed.cluster.spec.cloudProvider,
        kubernetesVersion: completed.cluster.spec.kubernetesVersion,
        specRevision: revisions.at(-1) ?? null,
        applied: applied !== undefined,
      },
      instanceGroups: completed.instanceGroups.map((ig) => ({
        name: ig.metadata.name,
        role: ig.spec.role,
        machineType: ig.spec.machineType,
        minSize: ig.spec.minSize,
        maxSize: ig.spec.maxSize,
        subnets: ig.spec.subnets,
        nodeupConfig: expected.get(ig.metadata.name) ?? null,
      })),
      instances: instanceRows(instances, statuses, expected, failuresByInstance(addonReport)),
    };
    ctx.io.out(format === 'json' ? renderJson(dump) : (await import('yaml')).stringify(dump, { lineWidth: 0 }));
    return 0;
  } finally {
    await session.close();
  }
}

export function registerToolbox(program: Command, run: Runner): void {
  const toolbox = program.command('toolbox').description('commands for support and troubleshooting');
  toolbox
    .command('dump')
    .option('-o, --output <format>', 'yaml (default) or json')
    .description('print the cluster, its instance groups and its machines with what their nodeup reported, for support (reads only)')
    .action(async (opts: { output?: string }, cmd: Command) => run(cmd, (ctx) => runToolboxDump(opts, ctx)));
}
