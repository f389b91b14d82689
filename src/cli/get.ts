/**
 * `hoist get clusters [NAME]` and `hoist get instancegroups [IG...]`. Each runs from its own
 * module, loaded when it runs: `get clusters` reads without the spec API that the groups need.
 */

import type { Command } from 'commander';
import type { GetOptions } from './get-clusters.js';
import type { Runner } from './program.js';

export function registerGet(program: Command, run: Runner): void {
  const get = program.command('get').description('list clusters and instance groups');
  const output = ['-o, --output <format>', 'table, yaml or json'] as const;
  get
    .command('clusters')
    .aliases(['cluster'])
    .argument('[names...]', 'cluster names (default: all)')
    .option(...output)
    .option('--full', 'show the completed spec, with every default filled in')
    .description('list clusters')
    .action(async (names: string[], opts: GetOptions, cmd: Command) => run(cmd, async (ctx) => (await import('./get-clusters.js')).runGetClusters(names, opts, ctx)));
  get
    .command('instancegroups')
    .aliases(['instancegroup', 'ig'])
    .argument('[names...]', 'instance group names (default: all of the cluster)')
    .option(...output)
    .option('--full', 'show the completed spec, with every default filled in')
    .description('list the instance groups of the cluster named by --name')
    .action(async (names: string[], opts: GetOptions, cmd: Command) => run(cmd, async (ctx) => (await import('./get-instancegroups.js')).runGetInstanceGroups(names, opts, ctx)));
}
