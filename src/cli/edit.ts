/**
 * `hoist edit cluster [NAME]` and `hoist edit instancegroup NAME`: opens the stored object in the
 * editor. An invalid edit reopens with the errors as comments at the top; an unchanged file
 * aborts; a save is conditional on what was read, so a concurrent change is never overwritten.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseSpecText, toYaml } from '../api/index.js';
import type { Cluster, InstanceGroup } from '../api/index.js';
import { HoistError, NotFoundError, ValidationError, formatProblem } from '../errors.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import type { SpecSet, StoredSpecSet } from '../../state-store/clientset.js';
import { plain } from '../../state-store/clientset.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { openEditor } from './shared/editor.js';
import { saveSpecSet, validateSpecChange } from './shared/save-specs.js';
import { setSpecFields } from './shared/set-fields.js';
import type { SetLabels } from './shared/set-fields.js';
import { withClusterLabel } from './shared/spec-files.js';
import { collectRaw } from './shared/flags.js';

type Kind = 'Cluster' | 'InstanceGroup';

const HEADER = [
  '# Please edit the object below. Lines beginning with a "#" are ignored,',
  '# and an unchanged file cancels the edit.',
].join('\n');

export interface EditOptions {
  /** `--set path=value` and `--unset path`: change these fields without an editor. */
  readonly set?: readonly string[];
  readonly unset?: readonly string[];
  /**
   * How the change is named, for `hoist set|unset` (src/cli/set.ts): its problems' source and
   * its history label. Default: the flags, and "edit cluster|instancegroup".
   */
  readonly via?: { readonly labels: SetLabels; readonly operation: string };
}

export async function runEdit(kind: Kind, name: string | undefined, ctx: Context, opts: EditOptions = {}): Promise<number> {
  const cluster = ctx.clusterName(kind === 'Cluster' ? name : undefined);
  const clients = await ctx.clientset();
  const before = await clients.getSpecSet(cluster);
  if (!before) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const target = kind === 'Cluster' ? before.cluster.object : findIg(before, cluster, name);
  const noun = kind === 'Cluster' ? 'cluster' : 'instancegroup';
  if ((opts.set?.length ?? 0) + (opts.unset?.length ?? 0) > 0) {
    // Validated and saved like an edit in the editor: a refused change leaves the store as it was.
    // Through the text parser, as an edit in the editor goes: the schema refuses unknown fields.
    const subject = `${noun} ${target.metadata.name} with ${opts.via ? opts.via.operation : '--set/--unset'}`;
    const changed = setSpecFields(target, opts.set ?? [], opts.unset ?? [], subject, opts.via?.labels);
    const old = plain(before);
    const after: SpecSet =
      kind === 'Cluster' ? { ...old, cluster: changed as Cluster } : { ...old, instanceGroups: old.instanceGroups.map((ig) => (ig.metadata.name === target.metadata.name ? (changed as InstanceGroup) : ig)) };
    const rev = await saveSpecSet(ctx, { cluster, before, after, operation: opts.via?.operation ?? `edit ${noun}` });
    ctx.io.out(rev ? `${noun}/${target.metadata.name} edited (revision ${rev.rev})\n` : 'No changes.\n');
    return 0;
  }

  const dir = await mkdtemp(join(ctx.io.env.TMPDIR || tmpdir(), 'hoist-edit-'));
  const file = join(dir, `${target.metadata.name}.yaml`);
  let keepFile = false;
  try {
    let text = `${HEADER}\n${toYaml(target, { schemaComment: true })}`;
    let previous = stripComments(text);
    for (;;) {
      await writeFile(file, text);
      await openEditor(ctx.io, file);
      const edited = await readEdited(file);
      if (stripComments(edited) === previous) {
        if (text.startsWith('# ERROR')) {
          keepFile = true;
          throw new HoistError('ABORTED', `the edit still has errors and was not saved; your text is kept in ${file}`);
        }
        ctx.io.err('Edit cancelled, no changes made.\n');
        return 0;
      }
      const result = tryEdit(kind, target.metadata.name, cluster, edited, before);
      if (result instanceof ValidationError) {
        text = `${errorComments(result)}\n${stripErrorComments(edited)}`;
        previous = stripComments(edited);
        continue;
      }
      try {
        const rev = await saveSpecSet(ctx, { cluster, before, after: result, operation: `edit ${kind === 'Cluster' ? 'cluster' : 'instancegroup'}` });
        ctx.io.out(rev ? `${kind === 'Cluster' ? 'cluster' : 'instancegroup'}/${target.metadata.name} edited (revision ${rev.rev})\n` : 'No changes.\n');
        return 0;
      } catch (e) {
        keepFile = true;
        if (e instanceof HoistError) throw new HoistError(e.code, `${e.message}\nyour edit is kept in ${file}`, { hint: e.hint, cause: e });
        throw e;
      }
    }
  } finally {
    if (!keepFile) await rm(dir, { recursive: true, force: true });
  }
}

/** The edited text; an editor that deleted, moved or replaced the file is a user's abort, not a crash. */
async function readEdited(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'is gone (the editor deleted or moved it)' : code === 'EISDIR' ? 'is now a folder' : `could not be read (${code ?? String(e)})`;
    throw new HoistError('ABORTED', `the edited file ${file} ${what}; nothing was changed`, {
      hint: 'run hoist edit again and save the file in place, or change the spec with hoist get -o yaml and hoist replace -f',
      cause: e,
    });
  }
}

function findIg(set: StoredSpecSet, cluster: string, name: string | undefined): InstanceGroup {
  if (!name) throw new HoistError('INVALID_FLAG', 'no instance group named', { hint: `hoist edit instancegroup NAME --name ${cluster}` });
  const ig = set.instanceGroups.find((v) => v.object.metadata.name === name);
  if (!ig) throw new NotFoundError(`instance group ${name} not found in cluster ${cluster}`, `list them with: hoist get instancegroups --name ${cluster}`);
  return ig.object;
}

/** The new spec set, or every problem of the edited text. */
function tryEdit(kind: Kind, name: string, cluster: string, text: string, before: StoredSpecSet): SpecSet | ValidationError {
  try {
    const docs = parseSpecText(text, 'the edited file', SPEC_RULES);
    const doc = docs[0];
    if (docs.length !== 1 || doc?.kind !== kind) {
      return new ValidationError('the edited file', [{ path: 'kind', value: doc?.kind, message: `must hold exactly one ${kind}` }]);
    }
    if (doc.object.metadata.name !== name) {
      return new ValidationError('the edited file', [{ path: 'metadata.name', value: doc.object.metadata.name, message: 'cannot change in an edit', fix: `keep "${name}"` }]);
    }
    const old = plain(before);
    const after: SpecSet =
      kind === 'Cluster'
        ? { ...old, cluster: doc.object as Cluster }
        : { ...old, instanceGroups: old.instanceGroups.map((ig) => (ig.metadata.name === name ? withClusterLabel(doc.object as InstanceGroup, cluster) : ig)) };
    validateSpecChange(old, after);
    return after;
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
}

function stripComments(text: string): string {
  return text.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n').trim();
}

function stripErrorComments(text: string): string {
  return text.split('\n').filter((l) => !l.startsWith('# ERROR') && !l.startsWith('#   - ')).join('\n');
}

function errorComments(e: ValidationError): string {
  return ['# ERROR: the edit was not saved. Fix these problems, or leave the file unchanged to cancel:', ...e.problems.map((p) => `#   - ${formatProblem(p)}`)].join('\n');
}

export function registerEdit(program: Command, run: Runner): void {
  const edit = program.command('edit').description('edit a cluster or instance group in $EDITOR');
  edit
    .command('cluster')
    .argument('[name]', 'cluster name')
    .description('edit the cluster spec (in $EDITOR, or with --set/--unset)')
    .option('--set <path=value>', 'set a field instead of opening an editor, e.g. --set spec.kubernetesVersion=1.35.0 (repeatable)', collectRaw, [])
    .option('--unset <path>', 'remove a field instead of opening an editor, e.g. --unset spec.sshPublicKey (repeatable)', collectRaw, [])
    .action(async (name: string | undefined, o: EditOptions, cmd: Command) => run(cmd, (ctx) => runEdit('Cluster', name, ctx, o)));
  edit
    .command('instancegroup')
    .aliases(['ig'])
    .argument('<name>', 'instance group name')
    .description('edit an instance group of the cluster named by --name (in $EDITOR, or with --set/--unset)')
    .option('--set <path=value>', 'set a field instead of opening an editor, e.g. --set spec.maxSize=5 (repeatable)', collectRaw, [])
    .option('--unset <path>', 'remove a field instead of opening an editor (repeatable)', collectRaw, [])
    .action(async (name: string, o: EditOptions, cmd: Command) => run(cmd, (ctx) => runEdit('InstanceGroup', name, ctx, o)));
}
