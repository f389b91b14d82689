/**
 * Compute v1 calls that the client library no longer has: the legacy `httpHealthChecks`, the
 * only health checks a target pool takes. They go over REST with the clients' own auth (so they
 * are counted and carry the session's credentials) to the clients' endpoint, retried as
 * Compute.call retries, and a mutation waits on its Operation as Compute.mutate does.
 */

import { randomUUID } from 'node:crypto';
import type { GceContext } from '../context.js';
import type { Operation } from '../compute.js';

/** The endpoint options the clients were made with (the library keeps them unexported). */
interface ClientOptions {
  readonly servicePath?: string;
  readonly apiEndpoint?: string;
  readonly port?: number;
  readonly protocol?: string;
}

function baseUrl(ctx: GceContext): string {
  const opts = (ctx.compute.clients.targetPools as unknown as { _opts: ClientOptions })._opts;
  const host = opts.servicePath ?? opts.apiEndpoint ?? 'compute.googleapis.com';
  const protocol = opts.protocol ?? 'https';
  const port = opts.port && opts.port !== 443 ? `:${opts.port}` : '';
  return `${protocol}://${host}${port}/compute/v1/projects/${encodeURIComponent(ctx.project)}`;
}

async function send<T>(ctx: GceContext, what: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, data?: unknown): Promise<T> {
  const auth = ctx.compute.clients.targetPools.auth;
  // fetch, not request: the session's auth counts what goes through fetch.
  const init = { method, ...(data === undefined ? {} : { body: JSON.stringify(data), headers: { 'Content-Type': 'application/json' } }) };
  const response = await ctx.compute.call(what, () => auth.fetch<T>(`${baseUrl(ctx)}/${path}`, init));
  return response.data;
}

export function restGet<T>(ctx: GceContext, what: string, path: string): Promise<T> {
  return send<T>(ctx, what, 'GET', path);
}

/** A mutation with a fresh requestId (kept across retries), waited on until DONE. */
export async function restMutate(ctx: GceContext, what: string, method: 'POST' | 'PATCH' | 'DELETE', path: string, data?: unknown): Promise<Operation> {
  const sep = path.includes('?') ? '&' : '?';
  const started = await send<Operation>(ctx, what, method, `${path}${sep}requestId=${randomUUID()}`, data);
  return ctx.compute.wait(what, started);
}

/** Every page of a list. */
export async function restList<T>(ctx: GceContext, what: string, path: string): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await restGet<{ items?: T[]; nextPageToken?: string }>(ctx, what, token ? `${path}${sep}pageToken=${encodeURIComponent(token)}` : path);
    out.push(...(page.items ?? []));
    token = page.nextPageToken;
  } while (token);
  return out;
}
