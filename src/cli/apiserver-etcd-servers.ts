/**
 * `hoist apiserver-etcd-servers --conf FILE`: keeps an APIServer machine's kube-apiserver on the
 * control plane's published etcd members, as its `kube-apiserver-etcd-servers.service` unit runs
 * it (nodeup installs both; see nodeup/etcd/follow.ts). Part of the nodeup bundle; not a command
 * people run.
 */

import type { Command } from 'commander';
import { jsonEventSink } from '../output/io.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runApiserverEtcdServers(opts: { readonly conf: string }, ctx: Context): Promise<number> {
  const { runFollowService } = await import('../../nodeup/etcd/follow-service.js');
  // A service's log: one JSON line per event, with its time.
  return runFollowService({ conf: opts.conf, env: ctx.io.env, events: jsonEventSink(ctx.io.err) });
}

export function registerApiserverEtcdServers(program: Command, run: Runner): void {
  program
    .command('apiserver-etcd-servers')
    .description("keep the API server's --etcd-servers on the control plane's published etcd members (run by kube-apiserver-etcd-servers.service on APIServer machines)")
    .requiredOption('--conf <file>', 'the configuration nodeup wrote: /etc/hoist/apiserver-etcd-servers.json')
    .action(async (opts: { conf: string }, cmd: Command) => run(cmd, (ctx) => runApiserverEtcdServers(opts, ctx)));
}
