/** `hoist apply -f FILE`: creates or updates the file's objects declaratively, like kubectl apply. */

import type { Command } from 'commander';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { writeFileSpecs } from './shared/write-file-specs.js';

export interface ApplyOptions {
  readonly filename?: string;
}

export function runApply(opts: ApplyOptions, ctx: Context): Promise<number> {
  return writeFileSpecs(ctx, opts.filename, 'apply');
}

export function registerApply(program: Command, run: Runner): void {
  program
    .command('apply')
    .description('create or update clusters and instance groups from a spec file')
    .option('-f, --filename <file>', 'spec file (- for standard input)')
    .action(async (opts: ApplyOptions, cmd: Command) => run(cmd, (ctx) => runApply(opts, ctx)));
}
