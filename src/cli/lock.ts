/** `hoist lock status [CLUSTER]` and `hoist lock break [CLUSTER] [--yes] [--force]`. */

import type { Command } from 'commander';
import { HoistError } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import { stringify } from 'yaml';
import { LiveHolderError, breakLock, describeHolder, readLock } from '../../state-store/lock.js';
import { aliveHere } from '../../state-store/lock-info.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runLockStatus(positional: string | undefined, opts: { output?: string }, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName(positional);
  const found = await readLock(await ctx.store(), cluster);
  const status = found
    ? { cluster, locked: true, expired: Date.parse(found.info.expires) < Date.now(), ...found.info }
    : { cluster, locked: false };
  if (format === 'json') ctx.io.out(renderJson(status));
  else if (format === 'yaml') ctx.io.out(stringify(status));
  else if (!found) ctx.io.out(`cluster ${cluster} is not locked\n`);
  else {
    const i = found.info;
    ctx.io.out(
      renderTable([i], [
        { header: 'HOLDER', value: (r) => r.holder },
        { header: 'PID', value: (r) => r.pid },
        { header: 'OPERATION', value: (r) => r.operation },
        { header: 'STARTED', value: (r) => r.started },
        { header: 'EXPIRES', value: (r) => `${r.expires}${'expired' in status && status.expired ? ' (expired)' : ''}` },
      ]),
    );
  }
  return 0;
}

export async function runLockBreak(positional: string | undefined, opts: { yes?: boolean; force?: boolean }, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const store = await ctx.store();
  const found = await readLock(store, cluster);
  if (!found) {
    ctx.io.out(`cluster ${cluster} is not locked\n`);
    return 0;
  }
  const who = describeHolder(found.info);
  // A holder running on this host is at work, not dead: refused before anyone is asked.
  if (!opts.force && aliveHere(found.info)) throw new LiveHolderError(cluster, found.info);
  if (!opts.yes) {
    if (!ctx.io.interactive) {
      throw new HoistError('ABORTED', `the lock of ${cluster} is held by ${who}; not broken`, { hint: 'confirm with --yes' });
    }
    const answer = await ctx.io.ask(`Break the lock of ${cluster} held by ${who}? Only do this if that operation is dead. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      ctx.io.err('Not broken.\n');
      return 1;
    }
  }
  await breakLock(store, cluster, { expectedId: found.info.id, force: opts.force ?? false });
  ctx.io.out(`lock of ${cluster} held by ${who} broken\n`);
  return 0;
}

export function registerLock(program: Command, run: Runner): void {
  const lock = program.command('lock').description("show or break a cluster's state-store lock");
  lock
    .command('status')
    .argument('[cluster]', 'cluster name')
    .option('-o, --output <format>', 'table, yaml or json')
    .description('show who holds the lock')
    .action(async (cluster: string | undefined, opts: { output?: string }, cmd: Command) => run(cmd, (ctx) => runLockStatus(cluster, opts, ctx)));
  lock
    .command('break')
    .argument('[cluster]', 'cluster name')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'break it even if its holder is a process that is running on this host')
    .description('remove a lock whose holder is gone')
    .action(async (cluster: string | undefined, opts: { yes?: boolean; force?: boolean }, cmd: Command) => run(cmd, (ctx) => runLockBreak(cluster, opts, ctx)));
}
