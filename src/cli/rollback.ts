/** `hoist rollback cluster [NAME] --to REV`: makes the spec equal to an earlier revision; no cloud change. */

import type { Command } from 'commander';
import { NotFoundError } from '../errors.js';
import { getRevision } from '../../state-store/history.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { integer } from './shared/flags.js';
import { saveSpecSet } from './shared/save-specs.js';

export async function runRollback(positional: string | undefined, opts: { to: number }, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const target = await getRevision(clients.store, cluster, opts.to);
  const before = await clients.getSpecSet(cluster);
  if (!before) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`);
  const rev = await saveSpecSet(ctx, {
    cluster,
    before,
    after: target.specs,
    operation: 'rollback cluster',
    reason: `rollback to revision ${opts.to}`,
  });
  if (!rev) {
    ctx.io.out(`cluster/${cluster} already equals revision ${opts.to}; nothing changed\n`);
    return 0;
  }
  ctx.io.out(`cluster/${cluster} rolled back to revision ${opts.to}, recorded as revision ${rev.rev}\n`);
  ctx.io.err(`The cloud is unchanged: run hoist update cluster ${cluster} to see and apply the difference.\n`);
  return 0;
}

export function registerRollback(program: Command, run: Runner): void {
  program
    .command('rollback')
    .description('restore an earlier revision of a cluster spec')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .requiredOption('--to <rev>', 'the revision to restore', integer('--to'))
    .description('write a new revision equal to an earlier one (the cloud is not touched)')
    .action(async (name: string | undefined, opts: { to: number }, cmd: Command) => run(cmd, (ctx) => runRollback(name, opts, ctx)));
}
