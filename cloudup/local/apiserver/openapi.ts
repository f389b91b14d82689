/**
 * A minimal OpenAPI v3 description: the root (`/openapi/v3`) and one document per group
 * version listing the paths of each resource with their operations, the
 * `x-kubernetes-group-version-kind` of each and the query parameters kubectl checks for
 * (`fieldValidation`, `fieldManager`, `dryRun`, `force`). kubectl reads it to learn that the
 * server validates fields itself (otherwise it insists on downloading schemas for client-side
 * validation). It carries no schemas of the types: `kubectl explain` has nothing to show, and
 * kubectl computes strategic merge patches from its built-in types, as it does for servers
 * that publish no patch strategies.
 */

import { createHash } from 'node:crypto';
import { RESOURCES, groupVersions } from './resources.js';
import type { Resource } from './resources.js';

type JsonMap = Record<string, unknown>;

const PARAMS = ['fieldValidation', 'fieldManager', 'dryRun', 'force', 'pretty'];
const PATCH_TYPES = ['application/merge-patch+json', 'application/apply-patch+yaml'];

const gvPath = (group: string, version: string): string => (group === '' ? `api/${version}` : `apis/${group}/${version}`);

function operation(gvk: JsonMap, verb: string, body: boolean, contentTypes: readonly string[] = ['application/json']): JsonMap {
  return {
    operationId: `${verb}${String(gvk.kind)}`,
    'x-kubernetes-action': verb,
    'x-kubernetes-group-version-kind': gvk,
    parameters: PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    ...(body ? { requestBody: { content: Object.fromEntries(contentTypes.map((t) => [t, { schema: { type: 'object' } }])), required: true } } : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
  };
}

export function openApiDocument(group: string, version: string, all: readonly Resource[] = RESOURCES): JsonMap | undefined {
  const resources = all.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  const paths: JsonMap = {};
  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = `/${gvPath(group, version)}/${r.namespaced ? 'namespaces/{namespace}/' : ''}${r.plural}`;
    paths[base] = { post: operation(gvk, 'post', true), ...(r.createOnly === true ? {} : { get: operation(gvk, 'list', false) }) };
    if (r.createOnly === true) continue;
    paths[`${base}/{name}`] = {
      get: operation(gvk, 'get', false),
      put: operation(gvk, 'put', true),
      patch: operation(gvk, 'patch', true, PATCH_TYPES),
      delete: operation(gvk, 'delete', false),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'hoist-local' }, paths, components: { schemas: {} } };
}

/** The root: where each group version's document is, with a hash that changes with it (clients cache by it). */
export function openApiRoot(all: readonly Resource[] = RESOURCES): JsonMap {
  const paths: JsonMap = {};
  for (const gv of groupVersions(all)) {
    const hash = createHash('sha256').update(JSON.stringify(openApiDocument(gv.group, gv.version, all))).digest('hex').slice(0, 32).toUpperCase();
    paths[gvPath(gv.group, gv.version)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv.group, gv.version)}?hash=${hash}` };
  }
  return { paths };
}

