/**
 * `create secret dockerconfig|encryptionconfig -f FILE [--force]`, `get secrets` and `delete
 * secret NAME`, as kops has them: the files live in the cluster's secret store
 * (`<cluster>/secrets/<name>`, state-store/secrets.ts), are validated before anything is written,
 * and are written under the cluster's lock, conditionally, so a concurrent change is never lost.
 * They are not spec changes: no history revision holds a secret. Machines get a new one after
 * `update cluster --yes` and a rolling update. `get secrets` shows values only when asked.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AlreadyExistsError, HoistError, NotFoundError, ValidationError, invalidFlag } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import { primaryItem } from '../pki/keyset.js';
import { readKeyset } from '../pki/store.js';
import { bootstrapToken } from '../../nodeup/pki/credential.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import { SECRET_NAMES, isSecretName, readSecret, readSecrets, secretHash, secretKey } from '../../state-store/secrets.js';
import type { SecretName } from '../../state-store/secrets.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { dockerConfigProblems, encryptionConfigProblems } from './secret-kinds.js';

/** The token kubelets join with: derived from kubernetes-ca's key, so it is shown, never stored. */
const BOOTSTRAP_TOKEN = { type: 'bootstraptoken', name: 'kubelet-bootstrap' } as const;
const TYPES = [...SECRET_NAMES, BOOTSTRAP_TOKEN.type] as const;

export interface SecretView {
  readonly type: string;
  readonly name: string;
  /** Identifies the version without telling the value: the content's sha256 (the token's public id). */
  readonly id: string;
  readonly value?: string;
}

async function existingCluster(ctx: Context): Promise<string> {
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  if (!(await clients.getSpecSet(cluster))) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  return cluster;
}

async function readInput(ctx: Context, file: string | undefined, name: SecretName): Promise<string> {
  const example = name === 'dockerconfig' ? '-f ~/.docker/config.json' : '-f encryption-config.yaml';
  if (file === undefined) throw invalidFlag('-f', undefined, 'is required', `name the file: hoist create secret ${name} ${example} (-f - reads standard input)`);
  if (file === '-') return ctx.io.readStdin();
  try {
    return await readFile(resolve(ctx.io.cwd, file), 'utf8');
  } catch {
    throw invalidFlag('-f', file, 'cannot be read', `name a readable file, e.g. ${example}`);
  }
}

export async function runCreateSecret(name: SecretName, opts: { readonly file?: string; readonly force?: boolean }, ctx: Context): Promise<number> {
  const text = await readInput(ctx, opts.file, name);
  const subject = `the ${name} ${opts.file === '-' ? 'from standard input' : (opts.file ?? '')}`.trimEnd();
  if (name === 'dockerconfig') {
    const problems = dockerConfigProblems(text);
    if (problems.length > 0) throw new ValidationError(subject, problems);
  } else {
    const { problems, warnings } = encryptionConfigProblems(text);
    if (problems.length > 0) throw new ValidationError(subject, problems);
    for (const w of warnings) ctx.io.err(`warning: ${w}\n`);
  }
  const cluster = await existingCluster(ctx);
  const store = await ctx.store();
  const key = secretKey(cluster, name);
  const result = await ctx.withLock(cluster, `create secret ${name}`, async () => {
    const current = await readSecret(store, cluster, name);
    if (current !== undefined && opts.force !== true) {
      throw new AlreadyExistsError(`secret ${name} of ${cluster} already exists (id ${shortId(current.sha256)})`, `replace it with: hoist create secret ${name} -f ${opts.file ?? 'FILE'} --force`);
    }
    if (current?.content === text) return 'unchanged';
    try {
      await store.put(key, text, current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag });
    } catch (e) {
      if (e instanceof PreconditionFailedError) throw new HoistError('CONFLICT', `secret ${name} of ${cluster} changed while it was written; nothing was written`, { hint: 'run the command again', cause: e });
      throw e;
    }
    return current === undefined ? 'created' : 'replaced';
  });
  ctx.io.out(`secret/${name} ${result} (id ${shortId(secretHash(text))})${result === 'unchanged' ? '' : `; machines get it after: hoist update cluster ${cluster} --yes and a rolling update`}\n`);
  return 0;
}

const shortId = (sha256: string): string => sha256.replace(/^sha256:/, '').slice(0, 12);

async function bootstrapTokenView(ctx: Context, cluster: string): Promise<SecretView | undefined> {
  // Before the first `update cluster --yes` there is no CA, hence no token.
  const keyset = await readKeyset(await ctx.store(), cluster, 'kubernetes-ca', { private: true });
  const key = keyset === undefined ? undefined : primaryItem(keyset).privateKey;
  if (key === undefined) return undefined;
  const token = bootstrapToken(cluster, key);
  return { ...BOOTSTRAP_TOKEN, id: token.id, value: token.token };
}

export async function runGetSecrets(names: readonly string[], opts: { readonly output?: string; readonly type?: string; readonly showValues?: boolean }, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  if (opts.type !== undefined && !(TYPES as readonly string[]).includes(opts.type)) throw invalidFlag('--type', opts.type, 'is not a type of secret hoist keeps', `use one of ${TYPES.join(', ')}`);
  if (opts.showValues === true && format === 'table') throw invalidFlag('--show-values', true, 'prints values only as YAML or JSON', 'add -o yaml or -o json');
  const cluster = await existingCluster(ctx);
  const stored = await readSecrets(await ctx.store(), cluster);
  const token = await bootstrapTokenView(ctx, cluster);
  const all: SecretView[] = [...stored.map((s) => ({ type: s.name, name: s.name, id: shortId(s.sha256), value: s.content })), ...(token ? [token] : [])];
  const chosen = all.filter((s) => (opts.type === undefined || s.type === opts.type) && (names.length === 0 || names.includes(s.name)));
  const missing = names.filter((n) => !all.some((s) => s.name === n));
  if (missing.length > 0) throw new NotFoundError(`cluster ${cluster} has no secret ${missing.join(', ')}`, `list them with: hoist get secrets --name ${cluster}`);
  const shown = chosen.map(({ value, ...rest }) => (opts.showValues === true && value !== undefined ? { ...rest, value } : rest));
  if (format === 'json') ctx.io.out(renderJson(shown));
  else if (format === 'yaml') ctx.io.out((await import('yaml')).stringify(shown));
  else if (shown.length === 0) ctx.io.err(`No secrets in cluster ${cluster}: add one with: hoist create secret dockerconfig -f ~/.docker/config.json --name ${cluster}\n`);
  else ctx.io.out(renderTable(shown, [{ header: 'TYPE', value: (s) => s.type }, { header: 'NAME', value: (s) => s.name }, { header: 'ID', value: (s) => s.id }]));
  return 0;
}

export async function runDeleteSecret(name: string, opts: { readonly yes?: boolean }, ctx: Context): Promise<number> {
  if (name === BOOTSTRAP_TOKEN.name || name === BOOTSTRAP_TOKEN.type) {
    throw invalidFlag('name', name, "is derived from kubernetes-ca's private key and cannot be deleted", 'rotate kubernetes-ca (hoist create keypair kubernetes-ca, docs/pki.md) to get a new token');
  }
  if (!isSecretName(name)) throw invalidFlag('name', name, 'is not a secret hoist keeps', `use one of ${SECRET_NAMES.join(', ')}`);
  const cluster = await existingCluster(ctx);
  const clients = await ctx.clientset();
  const store = await ctx.store();
  const current = await readSecret(store, cluster, name);
  if (current === undefined) throw new NotFoundError(`cluster ${cluster} has no secret ${name}`, `list them with: hoist get secrets --name ${cluster}`);
  const set = await clients.getSpecSet(cluster);
  if (name === 'encryptionconfig' && set?.cluster.object.spec.encryptionConfig === true) {
    throw new HoistError('INVALID_FLAG', `secret encryptionconfig of ${cluster} is in use: spec.encryptionConfig is true, and the API server needs its keys to read what it encrypted`, {
      hint: `first put {identity: {}} first in its providers (hoist create secret encryptionconfig -f FILE --force), update and roll the control plane, rewrite the secrets (kubectl get secrets -A -o json | kubectl replace -f -), then set spec.encryptionConfig to false (hoist edit cluster ${cluster} --unset spec.encryptionConfig)`,
    });
  }
  if (opts.yes !== true) {
    ctx.io.out(`secret/${name} (id ${shortId(current.sha256)}) would be deleted from ${cluster}.\nRun again with --yes to delete it.\n`);
    return 0;
  }
  await ctx.withLock(cluster, `delete secret ${name}`, () => store.delete(secretKey(cluster, name), { ifMatch: current.etag }));
  ctx.io.out(`secret/${name} deleted; machines keep it until they are updated: hoist update cluster ${cluster} --yes and a rolling update\n`);
  return 0;
}

/** Adds the subcommands to whichever of create, get and delete the command line loaded. */
export function registerSecrets(program: Command, run: Runner): void {
  const verb = (name: string) => program.commands.find((c) => c.name() === name);
  const create = verb('create')?.command('secret').description('store a secret of the cluster named by --name (docker registry credentials, encryption at rest)');
  for (const name of SECRET_NAMES) {
    create
      ?.command(name)
      .description(name === 'dockerconfig' ? "store a docker config.json: nodeup writes it as the kubelet's image pull credentials on every machine" : 'store a Kubernetes EncryptionConfiguration: the API servers encrypt at rest with it when spec.encryptionConfig is true')
      .option('-f, --filename <file>', name === 'dockerconfig' ? 'the docker config.json (- reads standard input)' : 'the EncryptionConfiguration YAML (- reads standard input)')
      .option('--force', 'replace the secret if it exists')
      .action(async (_opts: unknown, cmd: Command) => {
        // `create` itself takes -f (create -f FILE), so the flag may land on it: read both.
        const opts = cmd.optsWithGlobals<{ filename?: string; force?: boolean }>();
        return run(cmd, (ctx) => runCreateSecret(name, { ...(opts.filename === undefined ? {} : { file: opts.filename }), ...(opts.force === undefined ? {} : { force: opts.force }) }, ctx));
      });
  }
  verb('get')
    ?.command('secrets')
    .aliases(['secret'])
    .argument('[names...]', `only these: ${SECRET_NAMES.join(', ')}, ${BOOTSTRAP_TOKEN.name}`)
    .option('--type <type>', `only secrets of this type: ${TYPES.join(', ')}`)
    .option('-o, --output <format>', 'table, yaml or json')
    .option('--show-values', 'with -o yaml|json, print the secret values too')
    .description('list the secrets of the cluster named by --name (TYPE NAME ID; values only with --show-values)')
    .action(async (names: string[], opts: { output?: string; type?: string; showValues?: boolean }, cmd: Command) => run(cmd, (ctx) => runGetSecrets(names, opts, ctx)));
  verb('delete')
    ?.command('secret')
    .argument('<name>', SECRET_NAMES.join(' or '))
    .option('-y, --yes', 'really delete it')
    .description('delete a secret of the cluster named by --name')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => run(cmd, (ctx) => runDeleteSecret(name, opts, ctx)));
}
