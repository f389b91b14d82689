/**
 * kubeconfig files (kind Config, apiVersion v1), as kubectl reads them: build one for a cluster,
 * and merge it into a file that may hold other clusters, keeping those.
 */

import { parse, stringify } from 'yaml';
import { HoistError } from '../errors.js';

/** A credential plugin (client.authentication.k8s.io/v1): kubectl runs it for a credential. */
export interface KubeconfigExec {
  readonly command: string;
  readonly args: readonly string[];
}

/** A user entry: a client certificate, a bearer token, a credential plugin, or just a name (credentials kept elsewhere). */
export type KubeconfigUser =
  | { readonly name: string; readonly certificate: string; readonly privateKey: string }
  | { readonly name: string; readonly token: string }
  | { readonly name: string; readonly exec: KubeconfigExec }
  | { readonly name: string };

export interface KubeconfigInput {
  /** Names the cluster entry and the context. */
  readonly name: string;
  readonly server: string;
  /**
   * The name to check the server's certificate against when it is not the server's host
   * (kubeconfig's `tls-server-name`, which kubectl and client libraries honour).
   */
  readonly tlsServerName?: string;
  /** PEM; may hold several CAs (a rotation's trust bundle). */
  readonly caCertificate: string;
  readonly user: KubeconfigUser;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function buildKubeconfig(input: KubeconfigInput): string {
  const u = input.user;
  const credentials: Record<string, unknown> =
    'certificate' in u
      ? { 'client-certificate-data': b64(u.certificate), 'client-key-data': b64(u.privateKey) }
      : 'token' in u
        ? { token: u.token }
        : 'exec' in u
          ? // The plugin never prompts; v1 requires interactiveMode to be said.
            { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: u.exec.command, args: [...u.exec.args], interactiveMode: 'Never', provideClusterInfo: false } }
          : {};
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.name,
        cluster: { 'certificate-authority-data': b64(input.caCertificate), server: input.server, ...(input.tlsServerName !== undefined ? { 'tls-server-name': input.tlsServerName } : {}) },
      },
    ],
    contexts: [{ name: input.name, context: { cluster: input.name, user: u.name } }],
    'current-context': input.name,
    preferences: {},
    users: [{ name: u.name, user: credentials }],
  };
  return stringify(config, { lineWidth: 0 });
}

const LISTS = ['clusters', 'contexts', 'users'] as const;
type Config = Record<string, unknown>;

/**
 * Merges `newText` into `existingText` as kubectl and kops do: entries of `clusters`, `contexts`
 * and `users` replace the same-named ones (in place) and are otherwise added; everything else
 * of the existing file stays; `current-context` becomes the new one's. A user entry without
 * credentials never replaces an existing entry of that name, so exporting without credentials
 * keeps the ones a user already has.
 */
export function mergeKubeconfig(existingText: string | undefined, newText: string): string {
  const incoming = parseConfig(newText, 'the new kubeconfig');
  if (incoming === undefined) throw new HoistError('INTERNAL', 'the kubeconfig to merge is empty');
  const existing = existingText === undefined ? undefined : parseConfig(existingText, 'the existing kubeconfig');
  if (existing === undefined) return stringify(incoming, { lineWidth: 0 });
  const merged: Config = { apiVersion: 'v1', kind: 'Config', ...existing };
  for (const list of LISTS) {
    const entries = [...asEntries(existing[list], list)];
    for (const entry of asEntries(incoming[list], list)) {
      const at = entries.findIndex((e) => nameOf(e) !== undefined && nameOf(e) === nameOf(entry));
      if (at < 0) entries.push(entry);
      else if (!(list === 'users' && hasNoCredentials(entry))) entries[at] = entry;
    }
    merged[list] = entries;
  }
  if (typeof incoming['current-context'] === 'string') merged['current-context'] = incoming['current-context'];
  return stringify(merged, { lineWidth: 0 });
}

/** Whether the kubeconfig has a user entry of that name with credentials of some kind. */
export function hasUserCredentials(text: string | undefined, name: string): boolean {
  const config = text === undefined ? undefined : parseConfig(text, 'the kubeconfig');
  const entry = asEntries(config?.['users'], 'users').find((e) => nameOf(e) === name);
  return entry !== undefined && !hasNoCredentials(entry);
}

function parseConfig(text: string, what: string): Config | undefined {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new HoistError('INVALID_YAML', `${what} is not YAML: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new HoistError('INVALID_YAML', `${what} is not a kubeconfig (a YAML mapping)`);
  const config = value as Config;
  if (config['kind'] !== undefined && config['kind'] !== 'Config') throw new HoistError('INVALID_YAML', `${what} is a ${String(config['kind'])}, not a kubeconfig (kind Config)`);
  return config;
}

function asEntries(value: unknown, list: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new HoistError('INVALID_YAML', `the kubeconfig's ${list} is not a list`);
  return value;
}

function nameOf(entry: unknown): string | undefined {
  const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

function hasNoCredentials(entry: unknown): boolean {
  const user = typeof entry === 'object' && entry !== null ? (entry as { user?: unknown }).user : undefined;
  return user === undefined || user === null || (typeof user === 'object' && Object.keys(user).length === 0);
}
