/**
 * `hoist apiserver-healthcheck --conf FILE`: the API server's health over plain HTTP on port 3990
 * of a control-plane machine, as its `kube-apiserver-healthcheck.service` unit runs it (nodeup
 * installs both; see nodeup/healthcheck/service.ts). Part of the nodeup bundle; not a command
 * people run.
 */

import type { Command } from 'commander';
import { jsonEventSink } from '../output/io.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runApiserverHealthcheck(opts: { readonly conf: string }, ctx: Context): Promise<number> {
  const { runHealthcheckService } = await import('../../nodeup/healthcheck/service-run.js');
  // A service's log: one JSON line per event, with its time.
  return runHealthcheckService({ conf: opts.conf, env: ctx.io.env, events: jsonEventSink(ctx.io.err) });
}

export function registerApiserverHealthcheck(program: Command, run: Runner): void {
  program
    .command('apiserver-healthcheck')
    .description("serve the local API server's /readyz, /livez and /healthz over plain HTTP (run by kube-apiserver-healthcheck.service on control-plane machines)")
    .requiredOption('--conf <file>', 'the configuration nodeup wrote: /etc/hoist/apiserver-healthcheck.json')
    .action(async (opts: { conf: string }, cmd: Command) => run(cmd, (ctx) => runApiserverHealthcheck(opts, ctx)));
}
