/**
 * Reading a request: which resource, namespace, name and subresource a path names, which verb
 * the method and query make of it, and its body (JSON, or YAML for server-side apply).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobuf, isProtobuf } from './protobuf.js';
import { BUILTIN } from './custom-resources.js';
import type { Catalog } from './custom-resources.js';
import type { Resource } from './resources.js';
import { ApiError, badRequest } from './status.js';
import type { KubeObject } from './storage.js';

export interface ResourceRequest {
  readonly kind: 'resource';
  readonly resource: Resource;
  readonly verb: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export interface OtherRequest {
  readonly kind: 'other';
  readonly path: string;
  readonly verb: string;
}

/** The largest body accepted (kube-apiserver's limit is 3 MiB). */
const MAX_BODY = 3 * 1024 * 1024;

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

function verbOf(method: string, named: boolean, query: URLSearchParams): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (truthy(query.get('watch'))) return 'watch';
      return named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow the method ${method}`);
  }
}

/** The resource request a path names (built-in, or custom of the catalog's CRDs), or the other path it is (health, discovery …). */
export function parseRequest(method: string, url: URL, catalog: Catalog = BUILTIN): ResourceRequest | OtherRequest {
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    [group, version, rest] = ['', parts[1] ?? '', parts.slice(2)];
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    [group, version, rest] = [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
  } else {
    return { kind: 'other', path: url.pathname, verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase() };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = catalog.find(group, version, rest[2] ?? '');
    if (inner?.namespaced === true) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [plural = '', name, subresource, ...extra] = rest;
  const resource = catalog.find(group, version, plural);
  if (resource === undefined || extra.length > 0) {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${method} ${url.pathname})`);
  }
  if (subresource !== undefined && !(resource.subresources ?? []).includes(subresource)) {
    throw new ApiError(404, 'NotFound', `${resource.plural} has no subresource "${subresource}"`);
  }
  const verb = verbOf(method, name !== undefined, url.searchParams);
  return {
    kind: 'resource',
    resource,
    verb,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
    ...(subresource === undefined ? {} : { subresource }),
  };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new ApiError(413, 'BadRequest', `the request body is larger than ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The body as an object: JSON, or YAML when the content type says so (server-side apply sends YAML). */
export function parseObject(body: Buffer, contentType: string | undefined): KubeObject {
  if (isProtobuf(contentType)) return decodeProtobuf(body);
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = /yaml/.test(contentType ?? '') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid ${/yaml/.test(contentType ?? '') ? 'YAML' : 'JSON'}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the request body must be an object');
  return value as KubeObject;
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  sendJson(res, e.code, e.toStatus());
}
