/**
 * `hoist aws-ipam --conf FILE`: sets the pod range of an AWS IPv6 cluster's Nodes to their
 * machines' IPv6 prefixes, as its `hoist-aws-ipam.service` unit runs it on control-plane machines
 * (nodeup installs both; see nodeup/pod-cidrs/service.ts). Part of the nodeup bundle; not a
 * command people run.
 */

import type { Command } from 'commander';
import { jsonEventSink } from '../output/io.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runAwsIpam(opts: { readonly conf: string }, ctx: Context): Promise<number> {
  const { runPodCidrsService } = await import('../../nodeup/pod-cidrs/service-run.js');
  // A service's log: one JSON line per event, with its time.
  return runPodCidrsService({ conf: opts.conf, env: ctx.io.env, events: jsonEventSink(ctx.io.err) });
}

export function registerAwsIpam(program: Command, run: Runner): void {
  program
    .command('aws-ipam')
    .description("set each Node's pod range to its machine's IPv6 prefix in an AWS IPv6 cluster (run by hoist-aws-ipam.service on control-plane machines)")
    .requiredOption('--conf <file>', 'the configuration nodeup wrote: /etc/hoist/aws-ipam.json')
    .action(async (opts: { conf: string }, cmd: Command) => run(cmd, (ctx) => runAwsIpam(opts, ctx)));
}
