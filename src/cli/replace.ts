/** `hoist replace -f FILE [--force]`: replaces stored objects with the file's; --force creates missing ones. */

import type { Command } from 'commander';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { writeFileSpecs } from './shared/write-file-specs.js';

export interface ReplaceOptions {
  readonly filename?: string;
  readonly force?: boolean;
}

export function runReplace(opts: ReplaceOptions, ctx: Context): Promise<number> {
  return writeFileSpecs(ctx, opts.filename, 'replace', opts.force ?? false);
}

export function registerReplace(program: Command, run: Runner): void {
  program
    .command('replace')
    .description('replace clusters and instance groups with the documents of a spec file')
    .option('-f, --filename <file>', 'spec file (- for standard input)')
    .option('--force', 'create the objects that do not exist yet')
    .action(async (opts: ReplaceOptions, cmd: Command) => run(cmd, (ctx) => runReplace(opts, ctx)));
}
