/**
 * Custom resources: each served version of a stored CustomResourceDefinition becomes a row of
 * the resource table, so that discovery, routing, storage, watches and authorization treat it
 * as kube-apiserver's apiextensions server does. The CRDs are read from etcd whenever a request
 * may name one (a group no built-in resource has, `/apis`, OpenAPI), not cached: every API
 * server of the control plane sees a CRD as soon as another one stored it.
 */

import { groupVersion, RESOURCES, storageKey } from './resources.js';
import type { Resource } from './resources.js';
import { invalid } from './status.js';
import type { KubeObject, Storage } from './storage.js';

type JsonMap = Record<string, unknown>;
const asMap = (v: unknown): JsonMap => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonMap) : {});
const asList = (v: unknown): JsonMap[] => (Array.isArray(v) ? v.map(asMap) : []);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined);

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRDS = RESOURCES.find((r) => r.group === CRD_GROUP && r.plural === 'customresourcedefinitions') as Resource;
export const isCrd = (r: Resource): boolean => r === CRDS;

/** Groups the built-in resources hold: a CRD in one of them is not served (built-ins win, as in kube-apiserver). */
const BUILTIN_GROUPS = new Set(RESOURCES.map((r) => r.group));

/** The resources a request can name: the built-in table and the custom resources of the stored CRDs. */
export interface Catalog {
  readonly resources: readonly Resource[];
  find(group: string, version: string, plural: string): Resource | undefined;
  findKind(apiVersion: string, kind: string): Resource | undefined;
}

export function catalogOf(resources: readonly Resource[]): Catalog {
  return {
    resources,
    find: (group, version, plural) => resources.find((r) => r.group === group && r.version === version && r.plural === plural),
    findKind: (apiVersion, kind) => resources.find((r) => groupVersion(r) === apiVersion && r.kind === kind),
  };
}

export const BUILTIN: Catalog = catalogOf(RESOURCES);

/** The rows of one CRD: one per served version, sharing one etcd folder (`/registry/<group>/<plural>/`). */
export function resourcesOf(crd: KubeObject): Resource[] {
  const spec = asMap(crd.spec);
  const names = asMap(spec.names);
  const group = typeof spec.group === 'string' ? spec.group : '';
  const plural = typeof names.plural === 'string' ? names.plural : '';
  const kind = typeof names.kind === 'string' ? names.kind : '';
  if (group === '' || plural === '' || kind === '' || BUILTIN_GROUPS.has(group) || crd.metadata?.deletionTimestamp !== undefined) return [];
  const shortNames = strings(names.shortNames);
  const categories = strings(names.categories);
  return asList(spec.versions)
    .filter((v) => v.served === true && typeof v.name === 'string')
    .map((v) => {
      // The status subresource is served; scale is not (nothing here scales a custom resource).
      const subresources = asMap(v.subresources).status === undefined ? [] : ['status'];
      return {
        group,
        version: String(v.name),
        kind,
        plural,
        singular: typeof names.singular === 'string' && names.singular !== '' ? names.singular : kind.toLowerCase(),
        namespaced: spec.scope === 'Namespaced',
        ...(shortNames === undefined ? {} : { shortNames }),
        ...(categories === undefined ? {} : { categories }),
        ...(subresources.length === 0 ? {} : { subresources }),
        storageName: `${group}/${plural}`,
        custom: true,
      };
    });
}

/** The built-in table with the custom resources of every stored CRD (one etcd read). */
export async function loadCatalog(storage: Storage): Promise<Catalog> {
  const { items } = await storage.list(storageKey(CRDS));
  return catalogOf([...RESOURCES, ...items.flatMap(resourcesOf)]);
}

/** Whether a path may name a custom resource or list them (discovery, OpenAPI), so the CRDs must be read. */
export function needsCustom(pathname: string): boolean {
  if (pathname.startsWith('/openapi/')) return true;
  const m = /^\/apis(?:\/([^/]+))?/.exec(pathname);
  if (m === null) return false;
  return m[1] === undefined || !BUILTIN_GROUPS.has(decodeURIComponent(m[1]));
}

/**
 * What kube-apiserver refuses in a CRD (the checks every served custom resource relies on):
 * the name is `<plural>.<group>`, the scope is Namespaced or Cluster, the names are set, and
 * exactly one version is the storage version.
 */
export function checkCrd(crd: KubeObject): void {
  const name = String(crd.metadata?.name ?? '');
  const spec = asMap(crd.spec);
  const names = asMap(spec.names);
  const fail = (field: string, message: string): never => {
    throw invalid(CRDS, name, field, message);
  };
  if (typeof spec.group !== 'string' || spec.group === '') fail('spec.group', 'Required value');
  if (typeof names.plural !== 'string' || names.plural === '') fail('spec.names.plural', 'Required value');
  if (typeof names.kind !== 'string' || names.kind === '') fail('spec.names.kind', 'Required value');
  const expected = `${String(names.plural)}.${String(spec.group)}`;
  if (name !== expected) fail('metadata.name', `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group (${expected})`);
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') fail('spec.scope', `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`);
  const versions = asList(spec.versions);
  if (versions.length === 0) fail('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  if (versions.filter((v) => v.storage === true).length !== 1) fail('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
}

/** The status kube-apiserver's CRD controllers give a CRD whose names are free: accepted and established. */
export function crdStatus(crd: KubeObject, now: string): JsonMap {
  const spec = asMap(crd.spec);
  const names = asMap(spec.names);
  const before = asList(asMap(crd.status).conditions);
  const condition = (type: string, reason: string, message: string): JsonMap => {
    const old = before.find((c) => c.type === type && c.status === 'True');
    return { type, status: 'True', lastTransitionTime: old?.lastTransitionTime ?? now, reason, message };
  };
  return {
    acceptedNames: { ...names, singular: names.singular ?? String(names.kind ?? '').toLowerCase(), listKind: names.listKind ?? `${String(names.kind ?? '')}List` },
    conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    // Every version objects were ever stored in stays listed until a migration removes it.
    storedVersions: [...new Set([...(strings(asMap(crd.status).storedVersions) ?? []), ...asList(spec.versions).filter((v) => v.storage === true).map((v) => String(v.name))])],
  };
}

/** An object read through one served version carries that version (conversion strategy None, the default). */
export function asServed(r: Resource, o: KubeObject): KubeObject {
  return r.custom === true && o.apiVersion !== groupVersion(r) ? { ...o, apiVersion: groupVersion(r) } : o;
}
