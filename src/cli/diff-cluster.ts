/** `hoist diff cluster [NAME] --from REV [--to REV]`: a unified diff between two revisions of the spec. */

import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { NotFoundError } from '../errors.js';
import { plain } from '../../state-store/clientset.js';
import type { SpecSet } from '../../state-store/clientset.js';
import { getRevision } from '../../state-store/history.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { integer } from './shared/flags.js';
import { specSetYaml } from './shared/render-specs.js';

export interface DiffOptions {
  readonly from: number;
  /** Default: the spec as it is stored now. */
  readonly to?: number;
}

export async function runDiffCluster(positional: string | undefined, opts: DiffOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const from = await getRevision(clients.store, cluster, opts.from);
  let to: SpecSet;
  let toLabel: string;
  if (opts.to === undefined) {
    const current = await clients.getSpecSet(cluster);
    if (!current) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`);
    to = plain(current);
    toLabel = 'current';
  } else {
    to = (await getRevision(clients.store, cluster, opts.to)).specs;
    toLabel = `revision ${opts.to}`;
  }
  const a = specSetYaml(from.specs);
  const b = specSetYaml(to);
  if (a === b) {
    ctx.io.err(`No differences between revision ${opts.from} and ${toLabel}.\n`);
    return 0;
  }
  ctx.io.out(createTwoFilesPatch(`${cluster} revision ${opts.from}`, `${cluster} ${toLabel}`, a, b, undefined, undefined, { context: 3 }));
  return 0;
}

export function registerDiff(program: Command, run: Runner): void {
  program
    .command('diff')
    .description('compare revisions of a cluster spec')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .requiredOption('--from <rev>', 'the older revision', integer('--from'))
    .option('--to <rev>', 'the newer revision (default: the spec as stored now)', integer('--to'))
    .description('print a unified diff of the cluster spec between two revisions')
    .action(async (name: string | undefined, opts: DiffOptions, cmd: Command) => run(cmd, (ctx) => runDiffCluster(name, opts, ctx)));
}
