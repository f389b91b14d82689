/**
 * spec.egressProxy on the machine: one environment file that containerd and the kubelet read
 * (EnvironmentFile=), the same variables for login shells, apt's own proxy setting (apt run by
 * unattended-upgrades has no proxy in its environment) and the environment of the control
 * plane's static pods, as kops gives them. Nothing at all without a proxy.
 */

import { proxyEnvironment } from '../../src/api/egress-proxy.js';
import type { Task, TaskId } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import type { NodeupConfig } from '../config/schema.js';
import { file } from './types.js';

export const PROXY_ENV_FILE = '/etc/hoist/proxy.env';
export const PROXY_PROFILE = '/etc/profile.d/hoist-proxy.sh';
export const APT_PROXY_CONF = '/etc/apt/apt.conf.d/90hoist-proxy';

/** The proxy's variables (both cases), or undefined without spec.egressProxy. */
export function proxyEnv(config: Pick<NodeupConfig, 'egressProxy'>): Readonly<Record<string, string>> | undefined {
  return config.egressProxy === undefined ? undefined : proxyEnvironment(config.egressProxy);
}

/** A static pod container's `env`: empty without a proxy. */
export function proxyPodEnv(config: Pick<NodeupConfig, 'egressProxy'>): { name: string; value: string }[] {
  return Object.entries(proxyEnv(config) ?? {}).map(([name, value]) => ({ name, value }));
}

/** The file task a service with the proxy reads, if any: for its unit's EnvironmentFile= and dependencies. */
export function proxyEnvFile(config: Pick<NodeupConfig, 'egressProxy'>): Task | undefined {
  const env = proxyEnv(config);
  if (env === undefined) return undefined;
  // systemd's EnvironmentFile= syntax: KEY=value, the value in double quotes.
  const text = ['# The egress proxy (spec.egressProxy), written by hoist nodeup.', ...Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`), ''].join('\n');
  return file(PROXY_ENV_FILE, text);
}

/** The `[Service]` line that gives a unit the proxy, or nothing. */
export function proxyUnitLines(config: Pick<NodeupConfig, 'egressProxy'>): string[] {
  return config.egressProxy === undefined ? [] : [`EnvironmentFile=${PROXY_ENV_FILE}`];
}

/**
 * A nodeup bundle service's share of the proxy (the etcd backups, the addon applier, the etcd
 * follower write and read the state store): its unit's environment file, and the file task it
 * starts after and restarts with. Nothing without a proxy.
 */
export function bundleServiceProxy(config: Pick<NodeupConfig, 'egressProxy'>): { readonly environmentFile?: string; readonly dependsOn: TaskId[]; readonly restartOn: unknown[] } {
  const envFile = proxyEnvFile(config);
  return envFile === undefined ? { dependsOn: [], restartOn: [] } : { environmentFile: PROXY_ENV_FILE, dependsOn: [idOf(envFile)], restartOn: [envFile.desired] };
}

/** The machine-wide files: the environment file, the shells' profile and apt's setting. */
export function egressProxyTasks({ config }: { readonly config: NodeupConfig }): Task[] {
  const envFile = proxyEnvFile(config);
  const env = proxyEnv(config);
  if (envFile === undefined || env === undefined) return [];
  const profile = ['# The egress proxy (spec.egressProxy), written by hoist nodeup.', ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`), ''].join('\n');
  const url = config.egressProxy?.url ?? '';
  const apt = ['// The egress proxy (spec.egressProxy), written by hoist nodeup.', `Acquire::http::Proxy ${JSON.stringify(url)};`, `Acquire::https::Proxy ${JSON.stringify(url)};`, ''].join('\n');
  return [envFile, file(PROXY_PROFILE, profile), file(APT_PROXY_CONF, apt)];
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
