/**
 * `hoist upgrade cluster [NAME] [--yes]`: the versions the cluster's channel recommends, current
 * → recommended for every component; with `--yes`, writes them into the spec as one revision
 * (so `hoist rollback cluster` undoes it). The cloud is not touched: `update cluster` (or
 * `reconcile cluster`) applies the new spec.
 */

import type { Command } from 'commander';
import { stringify } from 'yaml';
import { completeSpec } from '../api/index.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import { loadChannel } from '../../cloudup/upgrade/channel.js';
import { proposeUpgrade } from '../../cloudup/upgrade/channel-plan.js';
import type { ComponentChange } from '../../cloudup/upgrade/channel-plan.js';
import { checkVersionChange } from '../../cloudup/upgrade/guards.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { saveSpecSet } from './shared/save-specs.js';

export interface UpgradeClusterOptions {
  readonly yes?: boolean;
  readonly output?: string;
  readonly to?: string;
  readonly allowVersionSkew?: boolean;
}

const ACTION_TEXT: Readonly<Record<ComponentChange['action'], string>> = {
  upgrade: 'upgrade',
  current: 'up to date',
  newer: 'kept (newer than the channel\'s)',
  default: 'follows kubernetesVersion',
  cloud: 'kept (the cloud\'s own)',
};

export async function runUpgradeCluster(positional: string | undefined, opts: UpgradeClusterOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName(positional);
  if (opts.to !== undefined && !/^\d+\.\d+$/.test(opts.to)) {
    throw new ValidationError('the command line', [{ path: '--to', value: opts.to, message: 'is not a Kubernetes minor', fix: 'write the minor only, e.g. --to 1.35' }], 'INVALID_FLAG');
  }
  const clients = await ctx.clientset();
  const before = await clients.getSpecSet(cluster);
  if (!before) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const stored = before.cluster.object;
  const completed = completeSpec(stored, before.instanceGroups.map((v) => v.object));
  const { ref, channel } = await loadChannel(stored.spec.channel);
  const proposal = proposeUpgrade(stored, completed, ref, channel, opts.to === undefined ? {} : { toMinor: opts.to });
  // The same guards as update cluster: an upgrade cluster --to cannot skip a minor either.
  const guard = checkVersionChange(stored.spec, proposal.cluster.spec, { allowVersionSkew: opts.allowVersionSkew === true, cluster });
  if (guard.problems.length > 0) throw new ValidationError(`the upgrade of ${cluster}`, guard.problems);
  for (const w of guard.warnings) ctx.io.err(`warning: ${w}\n`);

  const upgrades = proposal.changes.filter((c) => c.action === 'upgrade');
  if (format === 'json') ctx.io.out(renderJson({ channel: proposal.channel, changes: proposal.changes, ...(proposal.nextMinor ? { nextMinor: proposal.nextMinor } : {}) }));
  else if (format === 'yaml') ctx.io.out(stringify({ channel: proposal.channel, changes: proposal.changes, ...(proposal.nextMinor ? { nextMinor: proposal.nextMinor } : {}) }, { lineWidth: 0 }));
  else {
    ctx.io.out(`Channel ${proposal.channel}:\n`);
    ctx.io.out(renderTable(proposal.changes, [
      { header: 'COMPONENT', value: (c) => c.component },
      { header: 'CURRENT', value: (c) => c.current },
      { header: 'RECOMMENDED', value: (c) => c.recommended },
      { header: 'ACTION', value: (c) => ACTION_TEXT[c.action] },
      { header: 'FIELD', value: (c) => (c.action === 'upgrade' ? c.field : '') },
    ]));
  }
  const say = (text: string) => (format === 'table' ? ctx.io.out(text) : ctx.io.err(text));
  if (upgrades.length === 0) {
    say(`\nNo upgrade to write: ${cluster} has the channel's versions of its minor.${proposal.nextMinor ? ` The next minor: hoist upgrade cluster ${cluster} --to ${minorText(proposal.nextMinor)}` : ''}\n`);
    return 0;
  }
  if (!opts.yes) {
    say(`\nMust specify --yes to write these into the spec: hoist upgrade cluster ${cluster}${opts.to ? ` --to ${opts.to}` : ''} --yes\n`);
    return 0;
  }
  const rev = await saveSpecSet(ctx, {
    cluster,
    before,
    after: { cluster: proposal.cluster, instanceGroups: before.instanceGroups.map((v) => v.object) },
    operation: 'upgrade cluster',
    reason: `upgrade to channel ${proposal.channel}: ${upgrades.map((c) => `${c.component} ${c.current} → ${c.recommended}`).join(', ')}`,
  });
  say(`\nWrote ${upgrades.length} upgrade${upgrades.length === 1 ? '' : 's'} into cluster/${cluster}${rev ? ` as revision ${rev.rev}` : ''} (undo it with: hoist rollback cluster ${cluster} --to ${rev ? rev.rev - 1 : '<rev>'}).\n`);
  say(`The cloud is unchanged: apply the new spec with hoist update cluster ${cluster} --yes, then hoist rolling-update cluster ${cluster} --yes.\n`);
  return 0;
}

function minorText(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

export function registerUpgrade(program: Command, run: Runner): void {
  program
    .command('upgrade')
    .description('move a cluster to the versions its channel recommends')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('-y, --yes', 'write the recommended versions into the spec (without it, only show them)')
    .option('-o, --output <format>', 'table, yaml or json')
    .option('--to <minor>', 'move to this Kubernetes minor\'s recommended release (the next minor at most), e.g. 1.35')
    .option('--allow-version-skew', 'write a version change the guards refuse (a skipped minor), with a warning')
    .description('show current → recommended versions of every component; with --yes, write them into the spec as one revision')
    .action(async (name: string | undefined, opts: UpgradeClusterOptions, cmd: Command) => run(cmd, (ctx) => runUpgradeCluster(name, opts, ctx)));
}
