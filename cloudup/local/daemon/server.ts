/**
 * HTTP for the API: routes, JSON bodies and error bodies. Binds 127.0.0.1 only.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { EventSink } from '../../../src/output/events.js';
import { ApiError, invalid } from './api-error.js';
import { CloudApi } from './api.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export function createApiServer(api: CloudApi, events: EventSink): Server {
  const server = createServer((req, res) => {
    const started = Date.now();
    void handle(api, req)
      .catch((e: unknown): Reply => {
        if (e instanceof ApiError) return { status: e.status, body: { error: { code: e.code, message: e.message } } };
        events({ level: 'error', code: 'api.internal', message: `${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` });
        return { status: 500, body: { error: { code: 'InternalError', message: e instanceof Error ? e.message : String(e) } } };
      })
      .then((reply) => {
        send(res, reply);
        if (req.method !== 'GET' || reply.status >= 400) {
          events({ level: 'debug', code: 'api.request', message: `${req.method} ${req.url} ${reply.status}`, data: { ms: Date.now() - started } });
        }
      });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

async function handle(api: CloudApi, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (parts[0] !== 'v1' || parts.length < 2) throw new ApiError(404, 'NotFound', `no API at ${url.pathname} (try /v1/status)`);
  const [, type, id, action] = parts;
  if (type === 'status' && parts.length === 2) {
    allow(method, ['GET']);
    return { status: 200, body: api.status() };
  }
  if (type === undefined || !CloudApi.isType(type)) throw new ApiError(404, 'NotFound', `${JSON.stringify(type)} is not a resource type`);
  if (parts.length > 4) throw new ApiError(404, 'NotFound', `no API at ${url.pathname}`);
  if (id === undefined) {
    allow(method, ['GET', 'POST']);
    if (method === 'GET') return { status: 200, body: api.list(type, url.searchParams) };
    return { status: 201, body: await api.create(type, await readJson(req)) };
  }
  if (action === undefined) {
    allow(method, ['GET', 'PATCH', 'DELETE']);
    if (method === 'GET') return { status: 200, body: api.get(type, id) };
    if (method === 'PATCH') return { status: 200, body: await api.update(type, id, await readJson(req)) };
    await api.delete(type, id);
    return { status: 204 };
  }
  allow(method, ['POST']);
  if (type === 'instanceTemplates' && action === 'versions') return { status: 201, body: api.createTemplateVersion(id, await readJson(req)) };
  if (type === 'instanceGroups' && action === 'terminate') return { status: 200, body: api.terminate(id, await readJson(req)) };
  if (type === 'instanceGroups' && action === 'detach') return { status: 200, body: api.detach(id, await readJson(req)) };
  throw new ApiError(404, 'NotFound', `${type} have no action ${JSON.stringify(action)}`);
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) throw new ApiError(405, 'InvalidParameter', `method ${method} is not allowed here (use ${methods.join(' or ')})`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalid('body', `is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalid('body', `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
