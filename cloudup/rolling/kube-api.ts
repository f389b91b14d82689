/**
 * A small client of a cluster's Kubernetes API, from the kubeconfig context named after the
 * cluster (what `hoist export kubeconfig` writes, and what kops's rolling update uses too):
 * the server, its CA, and a client certificate or a bearer token, inline or in files. Exec and
 * auth-provider plugins are not supported; such a context is refused with a way out.
 */

import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { HoistError } from '../../src/errors.js';

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface KubeApi {
  /** The server's URL, for messages. */
  readonly server: string;
  /** One request; the body is JSON (a PATCH is a strategic merge patch). */
  request(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<KubeResponse>;
}


type Entry = Record<string, unknown>;

const REQUEST_TIMEOUT_MS = 15_000;

/** The client for `context` of the kubeconfig at `path`; refuses with what is missing. */
export async function kubeApiFromKubeconfig(path: string, context: string): Promise<KubeApi> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw noAccess(context, `cannot read the kubeconfig ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const doc = (parse(text) ?? {}) as Entry;
  const pick = (list: string, name: string | undefined, field: string): Entry | undefined => {
    const items = Array.isArray(doc[list]) ? (doc[list] as Entry[]) : [];
    const found = items.find((i) => i.name === name);
    return found === undefined ? undefined : ((found[field] ?? {}) as Entry);
  };
  const ctx = pick('contexts', context, 'context');
  if (ctx === undefined) throw noAccess(context, `the kubeconfig ${path} has no context ${context}`);
  const cluster = pick('clusters', ctx['cluster'] as string | undefined, 'cluster');
  const user = pick('users', ctx['user'] as string | undefined, 'user') ?? {};
  const server = cluster?.['server'];
  if (typeof server !== 'string' || server === '') throw noAccess(context, `context ${context} of ${path} names no cluster with a server`);
  if (user['exec'] !== undefined || user['auth-provider'] !== undefined) {
    throw noAccess(context, `context ${context} of ${path} authenticates with a plugin, which hoist does not run`);
  }
  const base = dirname(path);
  const data = async (entry: Entry | undefined, key: string): Promise<Buffer | undefined> => {
    const inline = entry?.[`${key}-data`];
    if (typeof inline === 'string') return Buffer.from(inline, 'base64');
    const file = entry?.[key];
    if (typeof file !== 'string') return undefined;
    return readFile(isAbsolute(file) ? file : join(base, file));
  };
  const [ca, cert, key] = await Promise.all([data(cluster, 'certificate-authority'), data(user, 'client-certificate'), data(user, 'client-key')]);
  const token = typeof user['token'] === 'string' ? user['token'] : undefined;
  const insecure = cluster?.['insecure-skip-tls-verify'] === true;
  const url = new URL(server);

  return {
    server,
    request(method, path, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = method === 'PATCH' ? 'application/strategic-merge-patch+json' : 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
      const target = new URL(`${url.pathname.replace(/\/$/, '')}${path}`, url);
      const options = { method, headers, timeout: REQUEST_TIMEOUT_MS };
      return new Promise<KubeResponse>((resolve, reject) => {
        const done = (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = raw;
            try {
              parsed = raw === '' ? undefined : JSON.parse(raw);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        };
        const req =
          target.protocol === 'https:'
            ? request(target, { ...options, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: !insecure }, done)
            : plainRequest(target, options, done);
        req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
        req.on('error', (e) => reject(new HoistError('ABORTED', `the Kubernetes API at ${server} did not answer ${method} ${path}: ${e.message}`, { cause: e, user: true })));
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}

function noAccess(cluster: string, why: string): HoistError {
  return new HoistError('NOT_FOUND', `cannot reach the Kubernetes API of ${cluster} to drain nodes: ${why}`, {
    hint: `hoist export kubeconfig ${cluster} --admin writes that context; or replace machines without draining: --cloudonly`,
  });
}
