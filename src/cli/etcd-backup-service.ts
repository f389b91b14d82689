/**
 * `hoist etcd-backup-service --conf FILE`: the scheduled etcd backups of a control-plane
 * machine, as its `etcd-backup.service` unit runs it (nodeup installs both; see
 * nodeup/etcd/backup-service.ts). Part of the nodeup bundle; not a command people run.
 */

import type { Command } from 'commander';
import { jsonEventSink } from '../output/io.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runEtcdBackupService(opts: { readonly conf: string }, ctx: Context): Promise<number> {
  const { runBackupService } = await import('../../nodeup/etcd/backup-service-run.js');
  // A service's log: one JSON line per event, with its time.
  return runBackupService({ conf: opts.conf, env: ctx.io.env, events: jsonEventSink(ctx.io.err) });
}

export function registerEtcdBackupService(program: Command, run: Runner): void {
  program
    .command('etcd-backup-service')
    .description("take this control-plane machine's scheduled etcd backups (run by etcd-backup.service)")
    .requiredOption('--conf <file>', 'the configuration nodeup wrote: /etc/hoist/etcd-backup.json')
    .action(async (opts: { conf: string }, cmd: Command) => run(cmd, (ctx) => runEtcdBackupService(opts, ctx)));
}
