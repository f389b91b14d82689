/**
 * kops's `set` and `unset` commands: `hoist set cluster [CLUSTER] spec.path=value ...`,
 * `hoist set instancegroup GROUP spec.path=value ...` and their `unset` twins, which name paths.
 * They are `edit --set/--unset` without the flags: the same change, validation, refusal and
 * history, so a refused change leaves the state store as it was.
 */

import type { Command } from 'commander';
import { HoistError } from '../errors.js';
import type { Context } from './context.js';
import { runEdit } from './edit.js';
import type { Runner } from './program.js';

type Verb = 'set' | 'unset';
type Kind = 'Cluster' | 'InstanceGroup';

const EXAMPLE: Record<Verb, Record<Kind, string>> = {
  set: { Cluster: 'hoist set cluster demo.example.com spec.kubernetesVersion=1.35.0', InstanceGroup: 'hoist set instancegroup nodes spec.maxSize=5 --name demo.example.com' },
  unset: { Cluster: 'hoist unset cluster demo.example.com spec.sshKeyName', InstanceGroup: 'hoist unset instancegroup nodes spec.image --name demo.example.com' },
};

/**
 * `set cluster`'s words: the first is the cluster's name unless it is a field (kops: one without
 * "=" for set, one not under "spec." for unset; either here, so that a forgotten value is
 * refused as such rather than looked up as a cluster).
 */
export function clusterAndFields(words: readonly string[]): { readonly name?: string; readonly fields: readonly string[] } {
  const [first, ...rest] = words;
  if (first === undefined || first.includes('=') || first.startsWith('spec.') || first === 'spec') return { fields: words };
  return { name: first, fields: rest };
}

export async function runSet(verb: Verb, kind: Kind, name: string | undefined, fields: readonly string[], ctx: Context): Promise<number> {
  const noun = kind === 'Cluster' ? 'cluster' : 'instancegroup';
  if (fields.length === 0) {
    throw new HoistError('INVALID_FLAG', `no field to ${verb}`, { hint: `name ${verb === 'set' ? 'spec.path=value' : 'spec.path'} after the ${kind === 'Cluster' ? 'cluster' : 'group'}, e.g. ${EXAMPLE[verb][kind]}` });
  }
  const label = `${verb} ${noun}`;
  return runEdit(kind, name, ctx, {
    set: verb === 'set' ? fields : [],
    unset: verb === 'unset' ? fields : [],
    via: { labels: { set: label, unset: label }, operation: label },
  });
}

export function registerSet(program: Command, run: Runner): void {
  for (const verb of ['set', 'unset'] as const) {
    const what = verb === 'set' ? 'spec.path=value' : 'spec.path';
    const parent = program
      .command(verb)
      .description(`${verb} fields of a cluster or instance group without an editor (as hoist edit --${verb})`);
    parent
      .command('cluster')
      .argument('[words...]', `[CLUSTER] ${what}... (the cluster defaults to --name)`)
      .description(`${verb} fields of the cluster spec, e.g. ${EXAMPLE[verb].Cluster}`)
      .action(async (words: string[], _o: unknown, cmd: Command) =>
        run(cmd, (ctx) => {
          const { name, fields } = clusterAndFields(words);
          return runSet(verb, 'Cluster', name, fields, ctx);
        }),
      );
    parent
      .command('instancegroup')
      .aliases(['ig'])
      .argument('<group>', 'instance group name')
      .argument('[fields...]', `${what}...`)
      .description(`${verb} fields of an instance group of the cluster named by --name, e.g. ${EXAMPLE[verb].InstanceGroup}`)
      .action(async (group: string, fields: string[], _o: unknown, cmd: Command) => run(cmd, (ctx) => runSet(verb, 'InstanceGroup', group, fields, ctx)));
  }
}
