/**
 * What the server sets and keeps on every object, as kube-apiserver's registries do: apiVersion
 * and kind, name (or one made from generateName), namespace from the path, uid,
 * creationTimestamp, generation (bumped when anything but metadata and status changes), and
 * the split between an object and its status (and CSR approval) subresource.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { checkCrd, crdStatus, isCrd } from './custom-resources.js';
import { groupVersion } from './resources.js';
import type { Resource } from './resources.js';
import { badRequest, invalid } from './status.js';
import type { KubeObject } from './storage.js';
import { withWorkloadDefaults } from './workload-defaults.js';

type JsonMap = Record<string, unknown>;

/** RFC 3339 at whole seconds, as Kubernetes writes metav1.Time. */
export const timestamp = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
// Node and RBAC names may hold ':' (system:node:x, system:masters bindings).
const LOOSE_NAME = /^[^/%]+$/;

export function checkName(r: Resource, name: string): void {
  const rule = r.group === 'rbac.authorization.k8s.io' || r.plural === 'certificatesigningrequests' ? LOOSE_NAME : NAME;
  if (name.length > 253 || !rule.test(name)) {
    throw invalid(r, name, 'metadata.name', `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')`);
  }
}

function generatedName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return prefix + [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The object a create stores, from what the client sent. */
export function prepareCreate(r: Resource, namespace: string | undefined, sent: KubeObject, now: Date): KubeObject {
  const apiVersion = groupVersion(r);
  if (sent.apiVersion !== undefined && sent.apiVersion !== apiVersion) throw badRequest(`the API version in the data (${String(sent.apiVersion)}) does not match the expected API version (${apiVersion})`);
  if (sent.kind !== undefined && sent.kind !== r.kind) throw badRequest(`the kind in the data (${String(sent.kind)}) does not match the expected kind (${r.kind})`);
  const meta: JsonMap = { ...(sent.metadata ?? {}) };
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
    throw invalid(r, String(meta.name ?? ''), 'metadata.resourceVersion', 'Invalid value: resourceVersion should not be set on objects to be created');
  }
  if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string') meta.name = generatedName(meta.generateName);
  if (typeof meta.name !== 'string' || meta.name === '') throw invalid(r, '', 'metadata.name', 'Required value: name or generateName is required');
  checkName(r, meta.name);
  if (r.namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw badRequest(`the namespace of the provided object (${String(meta.namespace)}) does not match the namespace sent on the request (${namespace ?? ''})`);
    }
    meta.namespace = namespace;
  } else delete meta.namespace;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  // Only objects with a spec have a generation (ConfigMaps, Secrets, Roles … have none); custom resources always do.
  if (sent.spec !== undefined || r.plural === 'namespaces' || r.custom === true) meta.generation = 1;
  else delete meta.generation;
  const object: KubeObject = { ...sent, apiVersion, kind: r.kind, metadata: meta };
  if (r.plural === 'namespaces') {
    object.spec = { finalizers: ['kubernetes'], ...((sent.spec as JsonMap | undefined) ?? {}) };
    object.status = { phase: 'Active' };
  }
  if (r.plural === 'pods' && object.status === undefined) object.status = { phase: 'Pending' };
  // A custom resource with a status subresource starts without one, whatever the create sent.
  if (r.custom === true && (r.subresources ?? []).includes('status')) delete object.status;
  if (isCrd(r)) {
    checkCrd(object);
    object.status = crdStatus(object, timestamp(now));
  }
  return withWorkloadDefaults(r, object);
}

const specPart = (o: KubeObject | undefined): JsonMap => {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o ?? {};
  return rest;
};

/**
 * The object an update stores: server-set metadata kept from `current`; through the main
 * resource the status stays as it was (when the resource has a status subresource), through
 * `/status` only the status changes.
 */
export function prepareUpdate(r: Resource, current: KubeObject, sent: KubeObject, subresource: string | undefined): KubeObject {
  const cur = current.metadata ?? {};
  const name = String(cur.name ?? '');
  const apiVersion = groupVersion(r);
  if (sent.metadata?.name !== undefined && sent.metadata.name !== name) throw badRequest(`the name of the object (${String(sent.metadata.name)}) does not match the name on the URL (${name})`);
  const hasStatus = (r.subresources ?? []).includes('status');
  if (subresource === 'status' || subresource === 'approval') {
    const next: KubeObject = { ...current, status: sent.status };
    if (sent.status === undefined) delete next.status;
    return { ...next, metadata: { ...cur, ...pickManaged(sent) } };
  }
  const meta: JsonMap = {
    ...(sent.metadata ?? {}),
    name,
    uid: cur.uid,
    creationTimestamp: cur.creationTimestamp,
    ...(cur.generation === undefined ? {} : { generation: cur.generation }),
    ...(r.namespaced ? { namespace: cur.namespace } : {}),
    ...(cur.deletionTimestamp === undefined ? {} : { deletionTimestamp: cur.deletionTimestamp }),
  };
  if (!r.namespaced) delete meta.namespace;
  const next: KubeObject = withWorkloadDefaults(r, { ...sent, apiVersion, kind: r.kind, metadata: meta });
  if (hasStatus || r.plural === 'namespaces') {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  if (cur.generation !== undefined && !isDeepStrictEqual(specPart(next), specPart(current))) meta.generation = Number(cur.generation) + 1;
  if (isCrd(r)) {
    checkCrd(next);
    next.status = crdStatus(next, timestamp(new Date()));
  }
  return next;
}

function pickManaged(sent: KubeObject): JsonMap {
  const mf = sent.metadata?.managedFields;
  return mf === undefined ? {} : { managedFields: mf };
}
