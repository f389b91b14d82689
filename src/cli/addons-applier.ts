/**
 * `hoist addons-applier --conf FILE`: the addon applier of a control-plane machine, as its
 * `hoist-addons.service` unit runs it (nodeup installs both; see nodeup/addons/service.ts).
 * Part of the nodeup bundle; not a command people run.
 */

import type { Command } from 'commander';
import { jsonEventSink } from '../output/io.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runAddonsApplier(opts: { readonly conf: string }, ctx: Context): Promise<number> {
  const { runAddonsService } = await import('../../nodeup/addons/service-run.js');
  // A service's log: one JSON line per event, with its time.
  return runAddonsService({ conf: opts.conf, env: ctx.io.env, events: jsonEventSink(ctx.io.err) });
}

export function registerAddonsApplier(program: Command, run: Runner): void {
  program
    .command('addons-applier')
    .description("apply the cluster's addons from the state store's channel (run by hoist-addons.service on control-plane machines)")
    .requiredOption('--conf <file>', 'the configuration nodeup wrote: /etc/hoist/addons.json')
    .action(async (opts: { conf: string }, cmd: Command) => run(cmd, (ctx) => runAddonsApplier(opts, ctx)));
}
