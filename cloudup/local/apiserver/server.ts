/**
 * The local API server: HTTPS with the cluster's API server certificate, authentication by
 * client certificate (against the client CA) or bootstrap token, authorization, and the
 * Kubernetes REST API of the resource table, stored in etcd. Library code: it reports through
 * events and never prints.
 */

import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Etcd3 } from 'etcd3';
import type { IOptions } from 'etcd3';
import type { EventSink } from '../../../src/output/events.js';
import { authenticate } from './authn.js';
import type { UserInfo } from './authn.js';
import { authorize } from './authz.js';
import { BUILTIN, loadCatalog, needsCustom } from './custom-resources.js';
import type { Catalog } from './custom-resources.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { handleResource } from './handlers.js';
import { openApiDocument, openApiRoot } from './openapi.js';
import type { RbacObjects } from './rbac.js';
import { encryptionTransformer } from './encryption.js';
import { Registry } from './registry.js';
import { parseRequest, sendError, sendJson } from './request.js';
import { findResource } from './resources.js';
import type { Resource } from './resources.js';
import { seed } from './seed.js';
import { ApiError, forbidden } from './status.js';
import { Storage } from './storage.js';

export interface ApiServerOptions {
  /** PEM of the serving certificate and its key. */
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** PEM of the CA(s) that sign client certificates. */
  readonly clientCA: string;
  readonly etcd: IOptions;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly anonymousAuth: boolean;
  /** The Kubernetes version /version reports, e.g. 1.31.2. */
  readonly version: string;
  /** The address clients are told to use in /api (the advertise address). */
  readonly advertiseAddress?: string;
  /**
   * Also answer plain-HTTP `GET /healthz`, `/livez` and `/readyz` on the same port, with these
   * headers (kube-apiserver does not): the local cloud's load balancer and nodeup's health
   * checks probe over HTTP and check who answered by a header.
   */
  readonly plainHealth?: Readonly<Record<string, string>>;
  readonly events?: EventSink;
  /** The EncryptionConfiguration of `--encryption-provider-config`: values at rest in etcd are encrypted with it. */
  readonly encryptionConfig?: string;
}

export interface RunningApiServer {
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  close(): Promise<void>;
}

const RBAC = 'rbac.authorization.k8s.io';
const rbacResource = (plural: string): Resource => findResource(RBAC, 'v1', plural) as Resource;

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const events = opts.events ?? (() => undefined);
  const etcd = new Etcd3(opts.etcd);
  const registry = new Registry(new Storage(etcd, opts.encryptionConfig === undefined ? undefined : encryptionTransformer(opts.encryptionConfig)));
  try {
    await seed(registry);
  } catch (e) {
    etcd.close();
    throw e;
  }
  const loadRbac = async (): Promise<RbacObjects> => {
    const [clusterRoles, clusterRoleBindings, roles, roleBindings] = await Promise.all(
      ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'].map(async (p) => (await registry.list(rbacResource(p), undefined)).items),
    );
    return { clusterRoles: clusterRoles ?? [], clusterRoleBindings: clusterRoleBindings ?? [], roles: roles ?? [], roleBindings: roleBindings ?? [] };
  };
  const readSecret = (namespace: string, name: string) => registry.find(findResource('', 'v1', 'secrets') as Resource, namespace, name);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const authenticated = await authenticate(req, { anonymousAuth: opts.anonymousAuth, readSecret });
    const user = await impersonated(authenticated, req, loadRbac);
    const catalog = needsCustom(url.pathname) ? await loadCatalog(registry.storage) : BUILTIN;
    const parsed = parseRequest(req.method ?? 'GET', url, catalog);
    if (parsed.kind === 'resource') return handleResource({ registry, loadRbac }, user, parsed, req, res, url.searchParams);
    const decision = await authorize(user, { verb: parsed.verb, group: '', resource: '', path: parsed.path }, loadRbac);
    if (!decision.allowed) throw new ApiError(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${parsed.verb} path "${parsed.path}"`);
    const body = await nonResource(parsed.path, etcd, opts, `${opts.advertiseAddress ?? opts.host}:${(tcp.address() as AddressInfo).port}`, catalog);
    if (typeof body === 'string') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(body);
      return;
    }
    sendJson(res, 200, body);
  };

  const server: Server = createHttpsServer({ cert: opts.tlsCert, key: opts.tlsKey, ca: opts.clientCA, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      const error = e instanceof ApiError ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
      if (error.code >= 500) events({ level: 'error', code: 'apiserver.error', message: `${req.method ?? ''} ${req.url ?? ''}: ${error.message}` });
      if (res.headersSent) res.end();
      else sendError(res, error);
    });
  });
  const health = opts.plainHealth;
  const plain = createHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method !== 'GET' || !['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Client sent an HTTP request to an HTTPS server.\n');
      return;
    }
    nonResource(path, etcd, opts, '', BUILTIN).then(
      () => res.writeHead(200, { ...health, 'Content-Type': 'text/plain' }).end('ok'),
      (e: unknown) => res.writeHead(500, { ...health, 'Content-Type': 'text/plain' }).end(e instanceof Error ? e.message : String(e)),
    );
  });
  // One port for both: a TLS connection starts with a handshake record (0x16), anything else is plain HTTP.
  const sockets = new Set<Socket>();
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 || health === undefined ? server : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(opts.port, opts.host, () => resolve());
  });
  const port = (tcp.address() as AddressInfo).port;
  const url = `https://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  events({ level: 'info', code: 'apiserver.listening', message: `serving the Kubernetes API on ${url}`, data: { url } });
  return {
    url,
    port,
    registry,
    close: async () => {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      etcd.close();
    },
  };
}

/** `Impersonate-User` / `Impersonate-Group` (kubectl --as, --as-group), for users allowed to impersonate. */
async function impersonated(user: UserInfo, req: IncomingMessage, loadRbac: () => Promise<RbacObjects>): Promise<UserInfo> {
  const as = req.headers['impersonate-user'];
  if (typeof as !== 'string' || as === '') return user;
  const raw = req.headers['impersonate-group'];
  const groups = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const [resource, name] of [['users', as], ...groups.map((g) => ['groups', g])] as [string, string][]) {
    const decision = await authorize(user, { verb: 'impersonate', group: '', resource, name }, loadRbac);
    if (!decision.allowed) throw forbidden(user.name, 'impersonate', { group: '', plural: resource }, undefined, name);
  }
  return { name: as, groups: [...groups, 'system:authenticated'] };
}

async function nonResource(path: string, etcd: Etcd3, opts: ApiServerOptions, serverAddress: string, catalog: Catalog): Promise<unknown> {
  const all = catalog.resources;
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/healthz' || trimmed === '/livez') return 'ok';
  if (trimmed === '/readyz') {
    // Ready when etcd answers, as kube-apiserver's etcd readiness check.
    await etcd.kv.range({ key: Buffer.from('/registry/health'), limit: 1 }).catch((e: unknown) => {
      throw new ApiError(500, 'InternalError', `readyz check failed: etcd: ${e instanceof Error ? e.message : String(e)}`);
    });
    return 'ok';
  }
  if (trimmed === '/version') return versionInfo(opts.version);
  if (trimmed === '/api') return apiVersions(serverAddress);
  if (trimmed === '/apis') return apiGroupList(all);
  if (trimmed === '/openapi/v3') return openApiRoot(all);
  const doc = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(trimmed);
  if (doc) {
    const found = doc[1] !== undefined ? openApiDocument('', doc[1], all) : openApiDocument(doc[2] ?? '', doc[3] ?? '', all);
    if (found !== undefined) return found;
  }
  const core = /^\/api\/([^/]+)$/.exec(trimmed);
  const group = /^\/apis\/([^/]+)$/.exec(trimmed);
  const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(trimmed);
  const found = core ? apiResourceList('', core[1] ?? '', all) : group ? apiGroup(group[1] ?? '', all) : groupVersion ? apiResourceList(groupVersion[1] ?? '', groupVersion[2] ?? '', all) : undefined;
  if (found === undefined) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
  return found;
}
