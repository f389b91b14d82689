/**
 * `hoist helpers kubectl-auth [--name CLUSTER] [--state STORE]`: the credential plugin that a
 * kubeconfig written by `hoist export kubeconfig --auth-plugin` names (kops: `kops helpers
 * kubectl-auth`). It prints an ExecCredential (client.authentication.k8s.io/v1) holding an admin
 * client certificate valid for an hour, issued from the state store's kubernetes-ca, so no
 * long-lived key sits in the kubeconfig: whoever runs kubectl needs read access to the CA's key
 * in the store, as `--admin` does.
 *
 * The credential is cached (mode 0600) under $XDG_CACHE_HOME/hoist/kubectl-auth (else
 * ~/.cache), and reused until five minutes before it expires or until the CA's primary
 * certificate changes (a rotation), so that kubectl does not issue a certificate per call.
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { NotFoundError } from '../errors.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1';
export const CREDENTIAL_LIFETIME_MS = 60 * 60_000;
/** A cached credential this close to its expiry is replaced: kubectl may hold it for a while. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface KubectlAuthOptions {
  /** The clock, for tests. */
  readonly now?: Date;
}

interface Credential {
  readonly clientCertificateData: string;
  readonly clientKeyData: string;
  readonly expirationTimestamp: string;
}

interface CacheEntry extends Credential {
  /** sha256 of the CA certificate that signed it: a rotated CA makes it stale. */
  readonly ca: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** `$XDG_CACHE_HOME/hoist/kubectl-auth/<cluster>-<store digest>.json`: one file per cluster of each store. */
export function credentialCacheFile(env: Readonly<Record<string, string | undefined>>, store: string, cluster: string): string {
  const base = env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache');
  return join(base, 'hoist', 'kubectl-auth', `${cluster}-${sha256(store).slice(0, 16)}.json`);
}

export async function runKubectlAuth(opts: KubectlAuthOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName();
  const store = await ctx.store();
  const now = opts.now ?? new Date();
  const { primaryItem, readKeyset } = await import('../pki/index.js');
  const noPki = () => new NotFoundError(`the PKI of cluster ${cluster} does not exist in ${store.url}`, `check --name and --state, or create the cluster's PKI: hoist update cluster ${cluster} --yes`);
  const ca = await readKeyset(store, cluster, 'kubernetes-ca', { private: false });
  const caCertificate = ca === undefined ? undefined : primaryItem(ca).certificate;
  if (caCertificate === undefined) throw noPki();
  const caDigest = sha256(caCertificate);

  const file = credentialCacheFile(ctx.io.env, store.url, cluster);
  const cached = await readCache(file);
  if (cached !== undefined && cached.ca === caDigest && Date.parse(cached.expirationTimestamp) - now.getTime() > RENEW_BEFORE_MS) {
    ctx.io.out(execCredential(cached));
    return 0;
  }

  const signer = await readKeyset(store, cluster, 'kubernetes-ca', { private: true });
  const item = signer === undefined ? undefined : primaryItem(signer);
  if (item?.certificate === undefined || item.privateKey === undefined) throw noPki();
  const { adminCertRequest, issueCertificate } = await import('../pki/index.js');
  const login = ctx.io.env['USER'] || ctx.io.env['LOGNAME'];
  const issued = await issueCertificate({ certificate: item.certificate, privateKey: item.privateKey }, adminCertRequest(login ? `admin:${login}` : 'admin'), {
    now,
    notAfter: new Date(now.getTime() + CREDENTIAL_LIFETIME_MS),
  });
  const { x509 } = await import('../pki/x509.js');
  const credential: Credential = {
    clientCertificateData: issued.certificate,
    clientKeyData: issued.privateKey,
    expirationTimestamp: new x509.X509Certificate(issued.certificate).notAfter.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  await writeCache(file, { ...credential, ca: caDigest }).catch((e: unknown) => {
    // A cache that cannot be written costs a certificate per call, nothing more.
    ctx.io.events({ level: 'warn', code: 'kubectl-auth.cache', message: `could not cache the credential in ${file}: ${e instanceof Error ? e.message : String(e)}`, data: { file } });
  });
  ctx.io.out(execCredential(credential));
  return 0;
}

function execCredential(c: Credential): string {
  const status = { clientCertificateData: c.clientCertificateData, clientKeyData: c.clientKeyData, expirationTimestamp: c.expirationTimestamp };
  return `${JSON.stringify({ apiVersion: EXEC_API_VERSION, kind: 'ExecCredential', spec: { interactive: false }, status })}\n`;
}

async function readCache(file: string): Promise<CacheEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheEntry>;
    const fields = [entry.ca, entry.clientCertificateData, entry.clientKeyData, entry.expirationTimestamp];
    return fields.every((f) => typeof f === 'string') ? (entry as CacheEntry) : undefined;
  } catch {
    // Absent or unreadable: issue a new one.
    return undefined;
  }
}

async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}`;
  await writeFile(partial, JSON.stringify(entry), { mode: 0o600 });
  await rename(partial, file);
}

export function registerHelpers(program: Command, run: Runner): void {
  const helpers = program.commands.find((c) => c.name() === 'helpers') ?? program.command('helpers').description('commands that other programs run');
  helpers
    .command('kubectl-auth')
    .description('print a short-lived admin client certificate as a kubectl ExecCredential (the credential plugin of export kubeconfig --auth-plugin)')
    .action(async (_opts: unknown, cmd: Command) => run(cmd, (ctx) => runKubectlAuth({}, ctx)));
}
