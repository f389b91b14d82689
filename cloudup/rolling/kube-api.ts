/**
 * A cluster's Kubernetes API through @kubernetes/client-node, from the kubeconfig context named
 * after the cluster (what `hoist export kubeconfig` writes, and what kops's rolling update uses
 * too), loaded as kubectl loads it: inline or file credentials (relative to the kubeconfig),
 * bearer tokens, `tls-server-name`, and exec plugins such as aws-iam-authenticator or
 * gke-gcloud-auth-plugin, which the library runs.
 */

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiException, VersionApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { HoistError } from '../../src/errors.js';
import { loadClusterKubeconfig } from './kubeconfig-load.js';

export interface KubeApi {
  /** The server's URL, for messages. */
  readonly server: string;
  /** The loaded kubeconfig, its context current: `config.makeApiClient(CoreV1Api)`. */
  readonly config: KubeConfig;
}

/** The client for `context` of the kubeconfig at `path`; refuses with what is missing. */
export async function kubeApiFromKubeconfig(path: string, context: string): Promise<KubeApi> {
  if (!existsSync(path)) throw noAccess(context, `cannot read the kubeconfig ${path}: it does not exist`);
  let config: KubeConfig | undefined;
  try {
    config = loadClusterKubeconfig({ flag: path, env: {}, cwd: dirname(path) }, context);
  } catch (e) {
    throw noAccess(context, e instanceof Error ? e.message : String(e));
  }
  if (config === undefined) throw noAccess(context, `the kubeconfig ${path} has no context ${context}`);
  const server = config.getCurrentCluster()?.server;
  if (server === undefined || server === '') throw noAccess(context, `context ${context} of ${path} names no cluster with a server`);
  return { server, config };
}

/** The API's version, or why it could not be read. */
export async function apiVersionProblem(api: KubeApi): Promise<string | undefined> {
  try {
    await api.config.makeApiClient(VersionApi).getCode();
    return undefined;
  } catch (e) {
    return apiErrorText(e);
  }
}

/** An API error as one line: `HTTP 429: <the Status's message>`, or the network error. */
export function apiErrorText(e: unknown): string {
  if (e instanceof ApiException) {
    const body = (e as ApiException<unknown>).body;
    let message = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: the text as it is
    }
    return `HTTP ${e.code}: ${message}`;
  }
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

/** The HTTP status of an API error, if it is one. */
export const apiErrorCode = (e: unknown): number | undefined => (e instanceof ApiException ? (e as ApiException<unknown>).code : undefined);

function noAccess(cluster: string, why: string): HoistError {
  return new HoistError('NOT_FOUND', `cannot reach the Kubernetes API of ${cluster} to drain nodes: ${why}`, {
    hint: `hoist export kubeconfig ${cluster} --admin writes that context; or replace machines without draining: --cloudonly`,
  });
}
