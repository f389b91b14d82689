/** Routes Compute v1 REST calls to the collections: list, get, insert, delete, update, patch, methods; Cloud DNS v1 calls to cloud-dns.ts; IAM and Resource Manager v1 calls to iam.ts. */

import { routeCloudDns } from './cloud-dns.js';
import { routeIam } from './iam.js';
import type { Collection, Ctx } from './collection.js';
import { addresses } from './collections/addresses.js';
import { backendServices } from './collections/backend-services.js';
import { disks } from './collections/disks.js';
import { firewalls } from './collections/firewalls.js';
import { forwardingRules } from './collections/forwarding-rules.js';
import { healthChecks } from './collections/health-checks.js';
import { httpHealthChecks } from './collections/http-health-checks.js';
import { instanceGroupManagers, regionInstanceGroupManagers } from './collections/instance-group-managers.js';
import { instanceTemplates } from './collections/instance-templates.js';
import { instances } from './collections/instances.js';
import { networks } from './collections/networks.js';
import { routers } from './collections/routers.js';
import { subnetworks } from './collections/subnetworks.js';
import { targetPools } from './collections/target-pools.js';
import { ApiError, alreadyExists, notFound } from './errors.js';
import { parseFilter } from './filter.js';
import { GLOBAL, collectionPath, link, scopePath } from './links.js';
import type { Scope } from './links.js';
import { page } from './paging.js';
import type { State } from './state.js';
import type { Json } from './validate.js';
import { requireName } from './validate.js';

/** By scope and URL segment: a regional collection may share its segment with a zonal one (`instanceGroupManagers`). */
const COLLECTIONS: ReadonlyMap<string, Collection> = new Map(
  [
    networks, subnetworks, firewalls, instanceTemplates, instanceGroupManagers, regionInstanceGroupManagers, instances, addresses, forwardingRules, targetPools, disks,
    httpHealthChecks, healthChecks, backendServices, routers,
  ].map((c) => [`${c.scope}/${c.name}`, c]),
);

export interface Call {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Json;
}

export async function route(state: State, call: Call): Promise<Json> {
  state.settle();
  if (call.path.startsWith('/dns/v1/')) return routeCloudDns(state, call.method, call.path, call.query, call.body);
  if (call.path.startsWith('/v1/projects/')) return routeIam(state, call.method, call.path, call.query, call.body);
  const m = /^\/compute\/v1\/projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/(.*)$/.exec(call.path);
  if (!m) throw notFound(call.path.replace(/^\/compute\/v1\//, ''));
  const project = m[1]!;
  const parts = m[2]!.split('/');
  if (parts[0] === 'aggregated' && parts.length === 2 && call.method === 'GET') return aggregated(state, project, parts[1]!, call.query);
  const [scope, rest] = scopeOf(parts);
  if (!scope) throw notFound(`projects/${project}/${m[2]!}`);
  const ctx: Ctx = { state, project, scope };
  const [collection, name, verb, ...extra] = rest;
  if (collection === 'operations' && name !== undefined && extra.length === 0) {
    const path = `${collectionPath(project, scope, 'operations')}/${name}`;
    if (verb === 'wait' && call.method === 'POST') return state.waitFor(path);
    if (verb === undefined && call.method === 'GET') return state.operationView(path);
  }
  const c = collection === undefined ? undefined : COLLECTIONS.get(`${scope.kind}/${collection}`);
  if (!c || extra.length > 0) throw notFound(`projects/${project}/${parts.join('/')}`);
  const base = collectionPath(project, scope, c.name);
  if (name === undefined) {
    if (call.method === 'GET') return list(ctx, c, base, call.query);
    if (call.method === 'POST') return mutate(ctx, call, () => insert(ctx, c, base, call.body));
    throw notFound(base);
  }
  const path = `${base}/${name}`;
  if (verb === undefined) {
    switch (call.method) {
      case 'GET':
        return view(ctx, c, path, state.mustGet(path));
      case 'DELETE':
        return mutate(ctx, call, () => remove(ctx, c, path));
      case 'PUT':
      case 'PATCH':
        return mutate(ctx, call, () => change(ctx, c, path, call.method === 'PUT' ? 'update' : 'patch', call.body));
    }
    throw notFound(path);
  }
  const method = c.methods?.[verb];
  if (!method || call.method !== 'POST') throw notFound(`${path}/${verb}`);
  // Read-only methods answer directly; the others are operations, replayed by request id.
  const replay = verb.startsWith('list') ? undefined : state.replayed(call.query.get('requestId') ?? undefined);
  if (replay) return replay;
  const resource = state.mustGet(path);
  const result = method(ctx, path, resource, call.body, call.query);
  if ('response' in result) return result.response;
  const op = state.operation(project, scope, result.operation, { path, id: resource.id }, result.finished);
  state.remember(call.query.get('requestId') ?? undefined, op);
  return op;
}

function scopeOf(parts: readonly string[]): [Scope | undefined, string[]] {
  if (parts[0] === 'global') return [GLOBAL, parts.slice(1)];
  if (parts[0] === 'regions' && /^[a-z]+-[a-z]+\d+$/.test(parts[1] ?? '')) return [{ kind: 'region', name: parts[1]! }, parts.slice(2)];
  if (parts[0] === 'zones' && /^[a-z]+-[a-z]+\d+-[a-z]$/.test(parts[1] ?? '')) return [{ kind: 'zone', name: parts[1]! }, parts.slice(2)];
  return [undefined, []];
}

function mutate(ctx: Ctx, call: Call, run: () => { path: string; id: unknown; type: string; finished?: () => boolean }): Json {
  const requestId = call.query.get('requestId') ?? undefined;
  const replay = ctx.state.replayed(requestId);
  if (replay) return replay;
  const done = run();
  const op = ctx.state.operation(ctx.project, ctx.scope, done.type, { path: done.path, id: done.id }, done.finished);
  ctx.state.remember(requestId, op);
  return op;
}

function insert(ctx: Ctx, c: Collection, base: string, body: Json) {
  const name = requireName(body);
  const path = `${base}/${name}`;
  if (ctx.state.get(path)) throw alreadyExists(path);
  const fields = c.insert(ctx, body, path);
  const scopeLink = ctx.scope.kind === 'global' ? {} : { [ctx.scope.kind]: link(scopePath(ctx.project, ctx.scope)) };
  const resource: Json = { kind: c.kind, id: ctx.state.newId(), creationTimestamp: ctx.state.now(), name, ...fields, ...scopeLink, selfLink: link(path) };
  ctx.state.resources.set(path, resource);
  c.afterInsert?.(ctx, path, resource);
  return { path, id: resource.id, type: 'insert' };
}

function remove(ctx: Ctx, c: Collection, path: string) {
  const resource = ctx.state.mustGet(path);
  if (ctx.state.groupsDeleting.has(path)) throw new ApiError(400, 'resourceNotReady', `The resource '${path}' is not ready`);
  c.checkDelete?.(ctx, path, resource);
  const finished = c.remove ? c.remove(ctx, path, resource) : (ctx.state.resources.delete(path), undefined);
  return { path, id: resource.id, type: 'delete', ...(finished ? { finished } : {}) };
}

function change(ctx: Ctx, c: Collection, path: string, how: 'update' | 'patch', body: Json) {
  const resource = ctx.state.mustGet(path);
  const apply = c[how];
  if (!apply) throw new ApiError(400, 'badRequest', `${c.name} cannot be changed with ${how === 'update' ? 'PUT' : 'PATCH'}`);
  ctx.state.resources.set(path, apply(ctx, path, resource, body));
  return { path, id: resource.id, type: how };
}

function view(ctx: Ctx, c: Collection, path: string, resource: Json): Json {
  return c.view ? c.view(ctx, path, resource) : resource;
}

function list(ctx: Ctx, c: Collection, base: string, query: URLSearchParams): Json {
  const keep = parseFilter(query.get('filter') ?? undefined);
  const all = ctx.state.list(base).map((r) => view(ctx, c, `${base}/${String(r.name)}`, r)).filter(keep);
  const p = page(all, query);
  return { kind: `${c.kind}List`, id: base, items: p.items, ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}), selfLink: link(base) };
}

/** `aggregated/X`: every zone's (or region's) items, keyed by `zones/Z`, paged over all of them. */
function aggregated(state: State, project: string, collection: string, query: URLSearchParams): Json {
  const of = (kind: Scope['kind']) => COLLECTIONS.get(`${kind}/${collection}`);
  const c = of('zone') ?? of('region');
  if (!c) throw notFound(`projects/${project}/aggregated/${collection}`);
  const keep = parseFilter(query.get('filter') ?? undefined);
  const all = state
    .everywhere(project, collection)
    .flatMap(([path, r]) => {
      const [, , kind, name] = path.split('/') as [string, string, string, string];
      const scope: Scope = { kind: kind === 'zones' ? 'zone' : 'region', name };
      const at = kind === 'global' ? undefined : of(scope.kind);
      return at ? [{ key: `${kind}/${name}`, item: view({ state, project, scope }, at, path, r) }] : [];
    })
    .filter((x) => keep(x.item));
  const p = page(all, query);
  const items: Record<string, Json> = {};
  for (const { key, item } of p.items) ((items[key] ??= { [collection]: [] })[collection] as Json[]).push(item);
  const id = `projects/${project}/aggregated/${collection}`;
  return { kind: `${c.kind}AggregatedList`, id, items, ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}), selfLink: link(id) };
}
