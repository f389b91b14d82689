/**
 * The resource endpoints: one generic handler for every row of the resource table, after
 * authentication. It authorizes, applies the node restrictions, and answers objects, lists
 * (or Tables, for `as=Table`), watches, and the special subresources (eviction) and reviews.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './authn.js';
import { authorize, nodeNameOf } from './authz.js';
import type { Attributes } from './authz.js';
import { asServed } from './custom-resources.js';
import { evict } from './eviction.js';
import { nodeRestriction } from './node-restriction.js';
import { patchObject, patchTypeOf } from './patching.js';
import type { RbacObjects } from './rbac.js';
import type { Registry } from './registry.js';
import { parseObject, readBody, sendJson } from './request.js';
import type { ResourceRequest } from './request.js';
import { findResource, groupVersion } from './resources.js';
import type { Resource } from './resources.js';
import { ApiError, forbidden } from './status.js';
import type { KubeObject } from './storage.js';
import { toTable } from './table.js';
import type { IncludeObject } from './table.js';
import { serveWatch } from './watch.js';

export interface HandlerContext {
  readonly registry: Registry;
  readonly loadRbac: () => Promise<RbacObjects>;
}

const PODS = findResource('', 'v1', 'pods') as Resource;

const wantsTable = (req: IncomingMessage): boolean => /as=Table/.test(req.headers.accept ?? '');
const intParam = (v: string | null): number | undefined => (v === null || v === '' ? undefined : Number(v));
const str = (v: string | null): string | undefined => (v === null ? undefined : v);

/** Who the change is recorded for: the fieldManager parameter, else the client's program name (kube-apiserver uses the user agent). */
function managerOf(req: IncomingMessage, query: URLSearchParams): string {
  const named = query.get('fieldManager');
  if (named !== null && named !== '') return named;
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
}

function includeOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export async function handleResource(ctx: HandlerContext, user: UserInfo, rr: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const { registry } = ctx;
  const r = rr.resource;
  const attrs: Attributes = {
    verb: rr.verb,
    group: r.group,
    resource: r.plural,
    ...(rr.subresource === undefined ? {} : { subresource: rr.subresource }),
    ...(rr.namespace === undefined ? {} : { namespace: rr.namespace }),
    ...(rr.name === undefined ? {} : { name: rr.name }),
  };
  const decision = await authorize(user, attrs, ctx.loadRbac);
  if (!decision.allowed) throw forbidden(user.name, rr.verb, r, rr.namespace, rr.name);
  const node = decision.reason.startsWith('the Node authorizer') ? nodeNameOf(user) : undefined;
  const restrict = async (existing: KubeObject | undefined, incoming: KubeObject | undefined): Promise<void> => {
    if (node === undefined) return;
    const why = await nodeRestriction({
      node,
      verb: rr.verb,
      group: r.group,
      resource: r.plural,
      ...(rr.subresource === undefined ? {} : { subresource: rr.subresource }),
      ...(existing === undefined ? {} : { existing }),
      ...(incoming === undefined ? {} : { incoming }),
      podsOnNode: async () => (await registry.list(PODS, undefined, { fieldSelector: `spec.nodeName=${node}` })).items,
    });
    if (why !== undefined) throw forbidden(user.name, rr.verb, r, rr.namespace, rr.name, why);
  };
  const namespace = r.namespaced ? rr.namespace : undefined;
  if (r.namespaced && namespace === undefined && !['list', 'watch'].includes(rr.verb)) {
    throw new ApiError(404, 'NotFound', `${r.plural} are namespaced: name a namespace in the path (/namespaces/<namespace>/${r.plural})`);
  }
  const dryRun = query.getAll('dryRun').includes('All');
  const write = { fieldManager: managerOf(req, query), dryRun, ...(rr.subresource === undefined ? {} : { subresource: rr.subresource }) };
  const table = wantsTable(req);
  const render = (o: KubeObject, meta: Record<string, unknown> = {}): unknown => (table ? toTable(r, [asServed(r, o)], meta, includeOf(query)) : asServed(r, o));
  const name = rr.name ?? '';

  switch (rr.verb) {
    case 'get': {
      const object = await registry.get(r, namespace, name);
      await restrict(object, undefined);
      return sendJson(res, 200, render(object, { resourceVersion: object.metadata?.resourceVersion }));
    }
    case 'list': {
      const list = await registry.list(r, namespace, {
        ...(query.has('labelSelector') ? { labelSelector: query.get('labelSelector') ?? '' } : {}),
        ...(query.has('fieldSelector') ? { fieldSelector: query.get('fieldSelector') ?? '' } : {}),
        ...(query.has('limit') ? { limit: intParam(query.get('limit')) ?? 0 } : {}),
        ...(query.has('continue') ? { continue: query.get('continue') ?? '' } : {}),
      });
      const meta = { resourceVersion: list.revision, ...(list.continue === undefined ? {} : { continue: list.continue }), ...(list.remainingItemCount === undefined ? {} : { remainingItemCount: list.remainingItemCount }) };
      const items = list.items.map((o) => asServed(r, o));
      if (table) return sendJson(res, 200, toTable(r, items, meta, includeOf(query)));
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: meta, items });
    }
    case 'watch':
      return serveWatch(req, res, registry, r, namespace, {
        ...(str(query.get('resourceVersion')) === undefined ? {} : { resourceVersion: query.get('resourceVersion') ?? '' }),
        ...(str(query.get('labelSelector')) === undefined ? {} : { labelSelector: query.get('labelSelector') ?? '' }),
        ...(str(query.get('fieldSelector')) === undefined ? {} : { fieldSelector: query.get('fieldSelector') ?? '' }),
        ...(intParam(query.get('timeoutSeconds')) === undefined ? {} : { timeoutSeconds: intParam(query.get('timeoutSeconds')) ?? 0 }),
        render: (o) => render(o, { resourceVersion: o.metadata?.resourceVersion }),
      });
    case 'create': {
      const body = parseObject(await readBody(req), req.headers['content-type']);
      if (rr.subresource === 'eviction') {
        await restrict(await registry.get(r, namespace, name), undefined);
        await evict(registry, namespace ?? '', name);
        return sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      }
      if (r.createOnly === true) return sendJson(res, 201, await review(ctx, user, body));
      await restrict(undefined, body);
      return sendJson(res, 201, asServed(r, await registry.create(r, namespace, r.plural === 'certificatesigningrequests' ? requestedBy(body, user) : body, write)));
    }
    case 'update': {
      const body = parseObject(await readBody(req), req.headers['content-type']);
      const object = await registry.update(
        r,
        namespace,
        name,
        async (current) => {
          await restrict(current, body);
          return body;
        },
        write,
      );
      return sendJson(res, 200, asServed(r, object));
    }
    case 'patch': {
      const type = patchTypeOf(req.headers['content-type']);
      // As kube-apiserver: a custom resource has no patch strategies to merge by (kubectl then sends a merge patch).
      if (type === 'strategic' && r.custom === true) {
        throw new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/apply-patch+yaml');
      }
      const body = parseObject(await readBody(req), type === 'apply' ? 'application/yaml' : 'application/json');
      await restrict(await registry.find(r, namespace, name), body);
      const force = query.get('force') === 'true';
      const { object, created } = await patchObject(registry, r, namespace, name, type, body, { ...write, force });
      return sendJson(res, created ? 201 : 200, asServed(r, object));
    }
    case 'delete': {
      const raw = await readBody(req);
      const options = raw.length === 0 ? {} : parseObject(raw, 'application/json');
      const pre = (options.preconditions ?? {}) as { resourceVersion?: string; uid?: string };
      await restrict(await registry.get(r, namespace, name), undefined);
      const deleted = await registry.delete(r, namespace, name, {
        ...(pre.resourceVersion === undefined ? {} : { resourceVersion: pre.resourceVersion }),
        ...(pre.uid === undefined ? {} : { uid: pre.uid }),
        dryRun: dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All')),
      });
      return sendJson(res, 200, asServed(r, deleted));
    }
    case 'deletecollection': {
      // As kube-apiserver: every object the selectors pick, deleted one by one (finalizers hold theirs).
      const { items } = await registry.list(r, namespace, {
        ...(query.has('labelSelector') ? { labelSelector: query.get('labelSelector') ?? '' } : {}),
        ...(query.has('fieldSelector') ? { fieldSelector: query.get('fieldSelector') ?? '' } : {}),
      });
      const deleted: KubeObject[] = [];
      for (const o of items) {
        await restrict(o, undefined);
        deleted.push(await registry.delete(r, o.metadata?.namespace as string | undefined, String(o.metadata?.name ?? ''), { dryRun }));
      }
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: {}, items: deleted });
    }
    default:
      throw new ApiError(405, 'MethodNotAllowed', `${rr.verb} is not supported on ${r.plural}`);
  }
}

/** A CSR records who asked for it (the approver reads it), whatever the request said; its status starts empty. */
function requestedBy(csr: KubeObject, user: UserInfo): KubeObject {
  const spec = { ...((csr.spec ?? {}) as Record<string, unknown>), username: user.name, groups: user.groups };
  return { ...csr, spec, status: {} };
}

/** A SelfSubjectAccessReview: the same decision the request itself would get. */
async function review(ctx: HandlerContext, user: UserInfo, body: KubeObject): Promise<KubeObject> {
  const spec = (body.spec ?? {}) as { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> };
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (ra === undefined && nra === undefined) throw new ApiError(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io is invalid: spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  const attrs: Attributes =
    ra !== undefined
      ? {
          verb: ra.verb ?? '',
          group: ra.group ?? '',
          resource: ra.resource ?? '',
          ...(ra.subresource ? { subresource: ra.subresource } : {}),
          ...(ra.namespace ? { namespace: ra.namespace } : {}),
          ...(ra.name ? { name: ra.name } : {}),
        }
      : { verb: nra?.verb ?? '', group: '', resource: '', path: nra?.path ?? '' };
  const decision = await authorize(user, attrs, ctx.loadRbac);
  return { ...body, apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null }, status: { allowed: decision.allowed, ...(decision.reason === '' ? {} : { reason: decision.reason }) } };
}
