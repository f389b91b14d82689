/**
 * `hoist export kubeconfig [CLUSTER] [--admin[=DURATION]] [--user NAME] [--kubeconfig FILE]
 * [--internal]`: writes the cluster, a context and a user into a kubeconfig, as kops does.
 *
 * `--admin` issues a short-lived client certificate in group system:masters, signed by
 * kubernetes-ca: it reads the CA's private key, so only an operator with access to
 * `pki/private/` can run it. Without it the user entry has no credentials (existing ones of
 * that name are kept), and `--user` points the context at a user the file already has.
 * `--auth-plugin` writes a user that runs `hoist helpers kubectl-auth` (helpers.ts) for a
 * short-lived certificate each time kubectl needs one, instead of embedding one.
 */

import { isIP } from 'node:net';
import type { Command } from 'commander';
import { completeSpec } from '../api/index.js';
import { HoistError, invalidFlag, NotFoundError } from '../errors.js';
import { primaryItem, trustBundle } from '../pki/keyset.js';
import { internalApiName } from '../pki/requests.js';
import type { KubeconfigUser } from '../pki/kubeconfig.js';
import { readKeyset } from '../pki/store.js';
import { providerFor } from '../../cloudup/providers.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export interface ExportKubeconfigOptions {
  /** true for `--admin`, the duration for `--admin=18h`. */
  readonly admin?: boolean | string;
  readonly user?: string;
  readonly kubeconfig?: string;
  readonly internal?: boolean;
  /** Every cluster of the state store whose PKI exists, as kops's --all. */
  readonly all?: boolean;
  /** A user that runs `hoist helpers kubectl-auth` for its credential, as kops's --auth-plugin. */
  readonly authPlugin?: boolean;
  /** The clock, for tests. */
  readonly now?: Date;
}

export const DEFAULT_ADMIN_DURATION = '18h';

export async function runExportKubeconfig(positional: string | undefined, opts: ExportKubeconfigOptions, ctx: Context): Promise<number> {
  if (opts.all === true) return exportAll(positional, opts, ctx);
  // `--admin demo.k8s.local` gives commander the cluster as the option's value.
  let admin = opts.admin;
  if (typeof admin === 'string' && positional === undefined && parseDuration(admin) === undefined && /[a-z].*\./i.test(admin)) {
    positional = admin;
    admin = true;
  }
  const adminMs = admin === undefined || admin === false ? undefined : adminDuration(admin === true ? DEFAULT_ADMIN_DURATION : admin);
  if (adminMs !== undefined && opts.user !== undefined) {
    throw invalidFlag('--user', opts.user, 'cannot be combined with --admin', '--admin writes its own user; --user reuses one the kubeconfig already has');
  }
  if (opts.authPlugin === true && (adminMs !== undefined || opts.user !== undefined)) {
    const [flag, value] = adminMs !== undefined ? ['--admin', admin ?? true] : ['--user', opts.user];
    throw invalidFlag(flag, value, 'cannot be combined with --auth-plugin', '--auth-plugin writes a user whose certificate the plugin issues when kubectl needs one; drop one of the two');
  }
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const spec = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  const store = await ctx.store();
  const noPki = () =>
    new HoistError('NOT_FOUND', `the PKI of cluster ${cluster} does not exist yet`, { hint: `create it (with the cluster) first: hoist update cluster ${cluster} --yes` });
  const ca = await readKeyset(store, cluster, 'kubernetes-ca', { private: false });
  if (ca === undefined) throw noPki();

  const pki = await import('../pki/index.js');
  const server = await (await providerFor(spec)).apiServerUrl(spec, { internal: opts.internal === true, env: ctx.io.env, events: ctx.io.events });
  const now = opts.now ?? new Date();
  let user: KubeconfigUser;
  let expires: string | undefined;
  if (adminMs !== undefined) {
    const signer = await readKeyset(store, cluster, 'kubernetes-ca', { private: true });
    if (signer === undefined) throw noPki();
    const item = primaryItem(signer);
    if (item.certificate === undefined || item.privateKey === undefined) throw new HoistError('STORE', `the primary item of kubernetes-ca of ${cluster} has no certificate or key`);
    const login = ctx.io.env['USER'] || ctx.io.env['LOGNAME'];
    const issued = await pki.issueCertificate({ certificate: item.certificate, privateKey: item.privateKey }, pki.adminCertRequest(login ? `admin:${login}` : 'admin'), {
      now,
      notAfter: new Date(now.getTime() + adminMs),
    });
    user = { name: cluster, certificate: issued.certificate, privateKey: issued.privateKey };
    expires = await certificateExpiry(issued.certificate);
  } else if (opts.authPlugin === true) {
    user = { name: cluster, exec: { command: 'hoist', args: ['helpers', 'kubectl-auth', '--name', cluster, '--state', store.url] } };
  } else {
    user = { name: opts.user ?? cluster };
  }

  const file = pki.kubeconfigPath({ flag: opts.kubeconfig, env: ctx.io.env, cwd: ctx.io.cwd });
  const existing = await pki.readKubeconfigFile(file);
  const built = pki.buildKubeconfig({ name: cluster, server, tlsServerName: tlsServerName(server, cluster), caCertificate: trustBundle(ca), user });
  const merged = pki.mergeKubeconfig(existing, built);
  await pki.writeKubeconfigFile(file, merged);

  const events = ctx.io.events;
  if (opts.authPlugin === true) {
    events({ level: 'info', code: 'kubeconfig.auth-plugin', message: `user ${cluster} runs "hoist helpers kubectl-auth" for a short-lived admin certificate (hoist must be on kubectl's PATH)`, data: { cluster } });
  } else if (expires !== undefined) {
    events({ level: 'info', code: 'kubeconfig.admin', message: `user ${cluster} has an admin certificate (group system:masters) valid until ${expires}`, data: { cluster, expires } });
  } else if (opts.user !== undefined) {
    if (!pki.hasUserCredentials(existing, opts.user)) events({ level: 'warn', code: 'kubeconfig.user-missing', message: `user ${opts.user} is not in ${file}: add its credentials, or export with --admin`, data: { file, user: opts.user } });
  } else if (pki.hasUserCredentials(existing, cluster)) {
    events({ level: 'info', code: 'kubeconfig.kept-user', message: `kept the credentials of user ${cluster} already in ${file}`, data: { file, user: cluster } });
  } else {
    events({ level: 'warn', code: 'kubeconfig.no-credentials', message: `no credentials were written for user ${cluster}: to get an admin certificate valid for ${DEFAULT_ADMIN_DURATION}, run: hoist export kubeconfig ${cluster} --admin`, data: { file, user: cluster } });
  }
  ctx.io.out(`kubeconfig for ${cluster} written to ${file} (context ${cluster})\n`);
  return 0;
}

/** `--all`: each cluster in turn, into the same file; one whose PKI does not exist yet is skipped with a warning. */
async function exportAll(positional: string | undefined, opts: ExportKubeconfigOptions, ctx: Context): Promise<number> {
  if (positional !== undefined) throw invalidFlag('--all', true, `cannot be combined with a cluster name (${positional})`, 'name one cluster, or use --all alone');
  if (opts.user !== undefined) throw invalidFlag('--user', opts.user, 'cannot be combined with --all', 'each cluster gets a user of its own name; export one cluster to use --user');
  const clusters = await (await ctx.clientset()).listClusters();
  if (clusters.length === 0) throw new NotFoundError(`no clusters in ${(await ctx.store()).url}`, 'create one with: hoist create cluster NAME');
  const store = await ctx.store();
  let exported = 0;
  for (const cluster of clusters) {
    if ((await readKeyset(store, cluster, 'kubernetes-ca', { private: false })) === undefined) {
      ctx.io.events({ level: 'warn', code: 'kubeconfig.no-pki', message: `skipped ${cluster}: its PKI does not exist yet (hoist update cluster ${cluster} --yes creates it)`, data: { cluster } });
      continue;
    }
    await runExportKubeconfig(cluster, { ...opts, all: false }, ctx);
    exported++;
  }
  if (exported === 0) throw new NotFoundError(`none of the ${clusters.length} clusters in ${store.url} has a PKI yet`, 'hoist update cluster NAME --yes creates it');
  return 0;
}

/**
 * A server named by an address the API server's certificate may not carry (the local cloud's
 * load balancer gets its address after the control plane's certificate is issued) is checked
 * against api.internal.<cluster>, which every API server certificate hoist issues carries.
 */
export function tlsServerName(server: string, cluster: string): string | undefined {
  const host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 ? undefined : internalApiName(cluster);
}

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/**
 * A duration in the style of Go's time.ParseDuration plus days: `18h`, `30m`, `1h30m`, `7d`,
 * `1.5h`. Undefined when the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?[dhms])+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return Math.round(ms);
}

function adminDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw invalidFlag('--admin', text, 'is not a duration', 'e.g. --admin=18h, --admin=30m, --admin=7d');
  if (ms < 60_000) throw invalidFlag('--admin', text, 'is shorter than a minute', 'e.g. --admin=18h');
  return ms;
}

async function certificateExpiry(pem: string): Promise<string> {
  const { x509 } = await import('../pki/x509.js');
  return new x509.X509Certificate(pem).notAfter.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function registerExportKubeconfig(program: Command, run: Runner): void {
  const exp = program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('export configuration of a cluster');
  exp
    .command('kubeconfig')
    .aliases(['kubecfg'])
    .argument('[cluster]', 'cluster name')
    .option('--admin [duration]', `add an admin client certificate valid for the duration (default ${DEFAULT_ADMIN_DURATION}; e.g. --admin=30m, --admin=7d)`)
    .option('--user <name>', 'point the context at a user the kubeconfig already has')
    .option('--kubeconfig <file>', 'the file to write (default: first path of $KUBECONFIG, else ~/.kube/config)')
    .option('--internal', 'use the API name inside the cluster network (api.internal.<cluster>)')
    .option('--all', 'export every cluster of the state store (those with a PKI)')
    .option('--auth-plugin', 'write a user that runs "hoist helpers kubectl-auth" for a short-lived admin certificate, instead of embedding one')
    .description("write the cluster's API endpoint, CA and a context into a kubeconfig and make it current")
    .action(async (cluster: string | undefined, opts: ExportKubeconfigOptions, cmd: Command) => run(cmd, (ctx) => runExportKubeconfig(cluster, opts, ctx)));
}
