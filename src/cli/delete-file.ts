/**
 * `hoist delete -f FILE [--yes]`: deletes what a spec file defines, as kops does. A Cluster
 * document deletes that cluster (its cloud resources, then its state, as `delete cluster`);
 * InstanceGroup documents of a cluster the file does not delete are removed from its spec (as
 * `delete instancegroup`, one revision for all of them). The whole file is checked first: every
 * cluster and group it names must exist, or nothing is deleted.
 */

import type { Command } from 'commander';
import { HoistError, invalidFlag, NotFoundError } from '../errors.js';
import { plain } from '../../state-store/clientset.js';
import type { Context } from './context.js';
import { runDeleteCluster } from './delete.js';
import type { Runner } from './program.js';
import { saveSpecSet } from './shared/save-specs.js';
import { groupByCluster, readSpecFile } from './shared/spec-files.js';

export interface DeleteFromFileOptions {
  readonly filename?: string;
  readonly yes?: boolean;
}

export async function runDeleteFromFile(opts: DeleteFromFileOptions, ctx: Context): Promise<number> {
  if (opts.filename === undefined) {
    throw new NotFoundError('nothing to delete given', 'pass -f FILE (or -f - for standard input), or name what to delete: hoist delete cluster|instancegroup|instance');
  }
  const groups = groupByCluster(await readSpecFile(ctx.io, opts.filename), ctx.global.name ?? ctx.io.env.HOIST_CLUSTER_NAME);
  const clients = await ctx.clientset();
  const stored = await Promise.all(groups.map((g) => clients.getSpecSet(ctx.clusterName(g.name))));
  // Everything named must exist before anything is deleted.
  groups.forEach((g, i) => {
    const set = stored[i];
    if (set === undefined) throw new NotFoundError(`cluster ${g.name} (in ${opts.filename}) not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
    const have = new Set(set.instanceGroups.map((v) => v.object.metadata.name));
    for (const ig of g.instanceGroups) {
      if (!have.has(ig.metadata.name)) throw new NotFoundError(`instance group ${ig.metadata.name} (in ${opts.filename}) not found in cluster ${g.name}`, `list them with: hoist get instancegroups --name ${g.name}`);
    }
  });
  for (const [i, g] of groups.entries()) {
    if (g.cluster !== undefined) {
      await runDeleteCluster(g.name, { yes: opts.yes === true }, ctx);
      continue;
    }
    const names = g.instanceGroups.map((ig) => ig.metadata.name);
    if (opts.yes !== true) {
      ctx.io.out(`InstanceGroup(s) ${names.join(', ')} would be removed from the spec of ${g.name}.\nRun again with --yes to remove them.\n`);
      continue;
    }
    const before = stored[i]!;
    const old = plain(before);
    const after = { ...old, instanceGroups: old.instanceGroups.filter((ig) => !names.includes(ig.metadata.name)) };
    const rev = await saveSpecSet(ctx, { cluster: g.name, before, after, operation: 'delete -f' });
    for (const n of names) ctx.io.out(`instancegroup/${n} deleted from the spec of ${g.name} (revision ${rev?.rev ?? '-'})\n`);
    ctx.io.out(`run hoist update cluster ${g.name} --yes to remove their machines\n`);
  }
  return 0;
}

export function registerDeleteFile(program: Command, run: Runner): void {
  const del = program.commands.find((c) => c.name() === 'delete');
  if (del === undefined) throw new HoistError('INTERNAL', 'the delete command must be registered before delete -f');
  // --yes is read from the words left over, not declared here: an option of this command would
  // also take the --yes of `delete cluster X --yes` (commander matches a parent's options after
  // its subcommand unless positional options are on for the whole program, which --name needs off).
  del
    .option('-f, --filename <file>', 'delete what this spec file defines: its clusters, or else its instance groups (- for standard input); with -y/--yes it deletes, without it says what would be deleted')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (opts: { filename?: string }, cmd: Command) =>
      run(cmd, (ctx) => {
        const extra = cmd.args.filter((a) => a !== '--yes' && a !== '-y');
        if (extra.length > 0) throw invalidFlag(extra[0]!, extra[0], 'is not a delete command or flag', 'use delete -f FILE [--yes], or delete cluster|instancegroup|instance');
        return runDeleteFromFile({ ...opts, yes: cmd.args.length > extra.length }, ctx);
      }),
    );
}
