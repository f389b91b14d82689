/** `hoist history cluster [NAME]`: every accepted change of the spec set, with who, when and how. */

import type { Command } from 'commander';
import { stringify } from 'yaml';
import { NotFoundError } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import { listRevisions } from '../../state-store/history.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export async function runHistory(positional: string | undefined, opts: { output?: string }, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName(positional);
  const store = await ctx.store();
  const revisions = await listRevisions(store, cluster);
  if (revisions.length === 0) throw new NotFoundError(`cluster ${cluster} has no history in ${store.url}`, 'list the clusters with: hoist get clusters');
  if (format === 'json') ctx.io.out(renderJson(revisions));
  else if (format === 'yaml') ctx.io.out(stringify(revisions));
  else {
    ctx.io.out(
      renderTable(revisions, [
        { header: 'REV', value: (r) => r.rev },
        { header: 'TIME', value: (r) => r.time },
        { header: 'USER', value: (r) => r.user },
        { header: 'IGS', value: (r) => r.instanceGroups },
        { header: 'COMMAND', value: (r) => r.command },
      ]),
    );
  }
  return 0;
}

export function registerHistory(program: Command, run: Runner): void {
  program
    .command('history')
    .description('show the history of a cluster spec')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('-o, --output <format>', 'table, yaml or json')
    .description('list the revisions of the cluster spec')
    .action(async (name: string | undefined, opts: { output?: string }, cmd: Command) => run(cmd, (ctx) => runHistory(name, opts, ctx)));
}
