/**
 * A cluster's kubeconfig context loaded as kubectl loads it, for @kubernetes/client-node:
 * `--kubeconfig`, else every file of $KUBECONFIG (the first file that names an entry wins), else
 * ~/.kube/config; the context named after the cluster, as `hoist export kubeconfig` writes it.
 * Exec plugins (aws-iam-authenticator, gke-gcloud-auth-plugin) run as the library runs them.
 */

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { HoistError } from '../../src/errors.js';

export interface KubeconfigSource {
  /** `--kubeconfig FILE`. */
  readonly flag?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The files kubectl would read, in its order. */
export function kubeconfigFiles(source: KubeconfigSource): string[] {
  if (source.flag !== undefined && source.flag !== '') return [resolve(source.cwd, source.flag)];
  const listed = (source.env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (listed.length > 0) return listed.map((p) => resolve(source.cwd, p));
  return [join(source.env['HOME'] || homedir(), '.kube', 'config')];
}

/**
 * The merged kubeconfig with `context` current, or undefined when no file names that context.
 * A file that exists but cannot be parsed is refused with its path.
 */
export function loadClusterKubeconfig(source: KubeconfigSource, context: string): KubeConfig | undefined {
  const merged = { clusters: new Map<string, KubeConfig['clusters'][number]>(), users: new Map<string, KubeConfig['users'][number]>(), contexts: new Map<string, KubeConfig['contexts'][number]>() };
  for (const file of kubeconfigFiles(source).filter((f) => existsSync(f))) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (e) {
      throw new HoistError('INVALID_YAML', `the kubeconfig ${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { hint: `fix or remove it, or write a new one: hoist export kubeconfig ${context} --admin` });
    }
    // kubectl's rule: the first file to set an entry wins.
    for (const c of kc.clusters) if (!merged.clusters.has(c.name)) merged.clusters.set(c.name, c);
    for (const u of kc.users) if (!merged.users.has(u.name)) merged.users.set(u.name, u);
    for (const c of kc.contexts) if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, c);
  }
  if (!merged.contexts.has(context)) return undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [...merged.clusters.values()], users: [...merged.users.values()], contexts: [...merged.contexts.values()], currentContext: context });
  return kc;
}
