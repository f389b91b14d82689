/**
 * `create|get|delete sshpublickey`, kops's names for the SSH key installed on the machines. hoist
 * keeps the key in the Cluster spec (`spec.sshPublicKey`, kops's single `admin` key), so each
 * change is a validated spec change with a history revision, and reaches machines as any spec
 * change does: `update cluster --yes`, then a rolling update.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { invalidFlag, NotFoundError } from '../errors.js';
import { parseOutputFormat, renderTable } from '../output/format.js';
import { plain } from '../../state-store/clientset.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { saveSpecSet } from './shared/save-specs.js';

/** kops names the one key a cluster has `admin`. */
export const SSH_KEY_NAME = 'admin';

export interface SshKeyView {
  readonly name: string;
  /** As `ssh-keygen -l` prints it: SHA256:<base64 of the key blob's sha256, unpadded>. */
  readonly fingerprint: string;
  readonly type: string;
  readonly comment?: string;
  readonly key: string;
}

export function describeKey(key: string): SshKeyView {
  const [type = '', blob = '', ...comment] = key.trim().split(/\s+/);
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
  return { name: SSH_KEY_NAME, fingerprint: `SHA256:${digest}`, type, ...(comment.length > 0 ? { comment: comment.join(' ') } : {}), key: key.trim() };
}

async function specSet(ctx: Context) {
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  return { cluster, set };
}

function checkName(name: string | undefined): void {
  if (name !== undefined && name !== SSH_KEY_NAME) {
    throw invalidFlag('name', name, `is not a key of the cluster: a cluster has one SSH key, named ${SSH_KEY_NAME}`, `omit the name, or use ${SSH_KEY_NAME}`);
  }
}

export async function runCreateSshPublicKey(name: string | undefined, opts: { readonly publicKey?: string }, ctx: Context): Promise<number> {
  checkName(name);
  if (opts.publicKey === undefined) throw invalidFlag('-i', undefined, 'is required', 'name the public key file: -i ~/.ssh/id_ed25519.pub');
  let text: string;
  try {
    text = (await readFile(resolve(ctx.io.cwd, opts.publicKey), 'utf8')).trim();
  } catch {
    throw invalidFlag('-i', opts.publicKey, 'cannot be read', 'name an SSH public key file, e.g. ~/.ssh/id_ed25519.pub');
  }
  const { cluster, set } = await specSet(ctx);
  const old = plain(set);
  // Validation of the spec says what is wrong with a key that is not one (a private key, say).
  const rev = await saveSpecSet(ctx, { cluster, before: set, after: { ...old, cluster: { ...old.cluster, spec: { ...old.cluster.spec, sshPublicKey: text } } }, operation: 'create sshpublickey' });
  ctx.io.out(`sshpublickey/${SSH_KEY_NAME} ${rev === undefined ? 'unchanged' : `set (revision ${rev.rev})`}: ${describeKey(text).fingerprint}; machines get it after: hoist update cluster ${cluster} --yes and a rolling update\n`);
  return 0;
}

export async function runGetSshPublicKeys(name: string | undefined, opts: { readonly output?: string }, ctx: Context): Promise<number> {
  checkName(name);
  const format = parseOutputFormat(opts.output);
  const { cluster, set } = await specSet(ctx);
  const key = set.cluster.object.spec.sshPublicKey;
  const keys = key === undefined ? [] : [describeKey(key)];
  if (format === 'json') ctx.io.out(`${JSON.stringify(keys, null, 2)}\n`);
  else if (format === 'yaml') ctx.io.out((await import('yaml')).stringify(keys));
  else if (keys.length === 0) ctx.io.err(`No SSH public key in cluster ${cluster}: add one with: hoist create sshpublickey -i ~/.ssh/id_ed25519.pub --name ${cluster}\n`);
  else ctx.io.out(renderTable(keys, [{ header: 'NAME', value: (k) => k.name }, { header: 'TYPE', value: (k) => k.type }, { header: 'FINGERPRINT', value: (k) => k.fingerprint }, { header: 'COMMENT', value: (k) => k.comment ?? '' }]));
  return 0;
}

export async function runDeleteSshPublicKey(name: string | undefined, opts: { readonly yes?: boolean }, ctx: Context): Promise<number> {
  checkName(name);
  const { cluster, set } = await specSet(ctx);
  const old = plain(set);
  if (old.cluster.spec.sshPublicKey === undefined) throw new NotFoundError(`cluster ${cluster} has no SSH public key`, `add one with: hoist create sshpublickey -i FILE --name ${cluster}`);
  if (opts.yes !== true) {
    ctx.io.out(`sshpublickey/${SSH_KEY_NAME} would be removed from the spec of ${cluster}.\nRun again with --yes to remove it.\n`);
    return 0;
  }
  const { sshPublicKey: _removed, ...spec } = old.cluster.spec;
  const rev = await saveSpecSet(ctx, { cluster, before: set, after: { ...old, cluster: { ...old.cluster, spec } }, operation: 'delete sshpublickey' });
  ctx.io.out(`sshpublickey/${SSH_KEY_NAME} deleted from the spec (revision ${rev?.rev ?? '-'}); machines keep it until they are replaced after: hoist update cluster ${cluster} --yes\n`);
  return 0;
}

/** Adds the three subcommands to whichever of create, get and delete the command line loaded. */
export function registerSshPublicKey(program: Command, run: Runner): void {
  const nameArg = ['[name]', `the key's name: a cluster has one, ${SSH_KEY_NAME}`] as const;
  const verb = (name: string) => program.commands.find((c) => c.name() === name);
  verb('create')
    ?.command('sshpublickey')
    .argument(...nameArg)
    .option('-i, --ssh-public-key <file>', 'the public key file, e.g. ~/.ssh/id_ed25519.pub')
    .description('set the SSH public key installed on the machines of the cluster named by --name (spec.sshPublicKey)')
    .action(async (name: string | undefined, opts: { sshPublicKey?: string }, cmd: Command) => run(cmd, (ctx) => runCreateSshPublicKey(name, { ...(opts.sshPublicKey === undefined ? {} : { publicKey: opts.sshPublicKey }) }, ctx)));
  verb('get')
    ?.command('sshpublickeys')
    .aliases(['sshpublickey'])
    .argument(...nameArg)
    .option('-o, --output <format>', 'table, yaml or json')
    .description('show the SSH public key of the cluster named by --name, with its fingerprint')
    .action(async (name: string | undefined, opts: { output?: string }, cmd: Command) => run(cmd, (ctx) => runGetSshPublicKeys(name, opts, ctx)));
  verb('delete')
    ?.command('sshpublickey')
    .argument(...nameArg)
    .option('-y, --yes', 'really remove it')
    .description('remove the SSH public key from the spec of the cluster named by --name')
    .action(async (name: string | undefined, opts: { yes?: boolean }, cmd: Command) => run(cmd, (ctx) => runDeleteSshPublicKey(name, opts, ctx)));
}
