/** `hoist version [--short] [-o yaml|json]`, as kops's: the client's version, and Node.js's. */

import type { Command } from 'commander';
import { invalidFlag } from '../errors.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { VERSION } from './program.js';

export function runVersion(opts: { readonly short?: boolean; readonly output?: string }, ctx: Context): number {
  if (opts.short) {
    ctx.io.out(`${VERSION}\n`);
    return 0;
  }
  const info = { clientVersion: VERSION, nodeVersion: process.version };
  if (opts.output === 'json') ctx.io.out(`${JSON.stringify(info, null, 2)}\n`);
  else if (opts.output === 'yaml') ctx.io.out(`clientVersion: ${info.clientVersion}\nnodeVersion: ${info.nodeVersion}\n`);
  else if (opts.output !== undefined) throw invalidFlag('--output', opts.output, 'is not an output format of version', 'use yaml or json');
  else ctx.io.out(`Client version: ${VERSION} (Node.js ${process.version})\n`);
  return 0;
}

export function registerVersion(program: Command, run: Runner): void {
  program
    .command('version')
    .option('--short', 'print the version number only')
    .option('-o, --output <format>', 'yaml or json')
    .description("print hoist's version")
    .action(async (opts: { short?: boolean; output?: string }, cmd: Command) => run(cmd, async (ctx) => runVersion(opts, ctx)));
}
