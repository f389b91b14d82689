/**
 * An addon's manifest as the applier reads it: the multi-document YAML of the channel, checked
 * against the sha256 the channel names, split into objects in the order kubectl apply uses
 * (Namespaces, then CustomResourceDefinitions, then the rest as written), each carrying the
 * addon's labels, which pruning selects by.
 */

import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import type { AddonEntry } from './channel.js';
import { ADDON_NAME_LABEL, ADDON_VERSION_LABEL } from './channel.js';

export interface AddonObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> } & Record<string, unknown>;
  readonly [field: string]: unknown;
}

/** Which object: what the record keeps, so that a kind that left the manifest is still pruned. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export const refOf = (o: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  ...(o.metadata.namespace === undefined || o.metadata.namespace === '' ? {} : { namespace: o.metadata.namespace }),
  name: o.metadata.name ?? '',
});

/** `Deployment/kube-system/coredns`, `ClusterRole/system:coredns`: how messages name an object. */
export const describeRef = (r: ObjectRef): string => [r.kind, r.namespace, r.name].filter((p) => p !== undefined).join('/');
export const refKey = (r: ObjectRef): string => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;

/** A manifest the applier cannot use: the addon fails with this message, nothing is applied. */
export class ManifestError extends Error {}

const sha256Hex = (body: Uint8Array): string => createHash('sha256').update(body).digest('hex');

const FIRST: readonly string[] = ['Namespace', 'CustomResourceDefinition'];
const rank = (o: AddonObject): number => {
  const at = FIRST.indexOf(o.kind);
  return at < 0 ? FIRST.length : at;
};

/** The objects of `entry`'s manifest, labelled and in apply order; refuses bytes whose hash is not the channel's. */
export function parseManifest(entry: AddonEntry, body: Uint8Array): AddonObject[] {
  const got = sha256Hex(body);
  if (got !== entry.sha256) throw new ManifestError(`manifest of ${entry.name} has sha256 ${got}, not the channel's ${entry.sha256}: the store holds other bytes under its hash`);
  const objects: AddonObject[] = [];
  parseAllDocuments(Buffer.from(body).toString('utf8')).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new ManifestError(`manifest of ${entry.name}, document ${i + 1}: ${doc.errors[0]?.message ?? 'not YAML'}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const o = value as Partial<AddonObject>;
    if (typeof o !== 'object' || Array.isArray(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new ManifestError(`manifest of ${entry.name}, document ${i + 1}: not a Kubernetes object (it needs apiVersion, kind and metadata.name)`);
    }
    const labels = { ...(o.metadata.labels ?? {}), [ADDON_NAME_LABEL]: entry.name, [ADDON_VERSION_LABEL]: entry.version };
    objects.push({ ...o, apiVersion: o.apiVersion, kind: o.kind, metadata: { ...o.metadata, name: o.metadata.name, labels } });
  });
  // A stable sort: within a rank, the manifest's own order.
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}
