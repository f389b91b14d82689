/**
 * The container images a cluster's addons run, for `hoist get assets`: those of the builtin
 * addons as the spec renders them (what the next `update cluster` publishes), and those of the
 * user addons as the channel in the state store holds them (their manifests are read when the
 * cluster is planned, so the listing reads nothing over the network). Each image is named by
 * its upstream reference, with the digest where the template pins one and the mirror's
 * reference when `spec.assets.containerRegistry` is set.
 */

import { parseAllDocuments } from 'yaml';
import type { CompletedSpec } from '../../src/api/index.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { AddonChannelSchema, addonChannelKey, addonManifestKey } from '../../nodeup/addons/channel.js';
import { cloudAddonsOf } from '../providers.js';
import { addonContext, builtinAddons } from './render.js';

export interface AddonImage {
  /** The addons that run it, in apply order. */
  readonly addons: readonly string[];
  /** The image as its addon names it upstream, without the digest: `registry.k8s.io/coredns/coredns:v1.12.0`. */
  readonly reference: string;
  /** Below the registry: `coredns/coredns`. */
  readonly repository: string;
  readonly tag: string;
  /** `sha256:<hex>` where the addon pins it by digest. */
  readonly digest?: string;
  /** The same image in spec.assets.containerRegistry, as a builtin addon's objects name it there (user addons' images are not rewritten). */
  readonly mirror?: string;
}

type Found = Map<string, { addons: string[]; builtin: boolean; digest?: string }>;

type Json = unknown;

/** Every `image` of a container or init container anywhere in the object (pod templates, pods). */
function imagesIn(value: Json, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) imagesIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if ((key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') && Array.isArray(v)) {
        for (const c of v as Json[]) {
          const image = (c as { image?: Json } | null)?.image;
          if (typeof image === 'string' && image !== '') out.push(image);
        }
      }
      imagesIn(v, out);
    }
  }
  return out;
}

/** `host/path/name:tag@sha256:…` into its parts; a reference without a host is Docker Hub's, as container runtimes read it. */
export function splitImage(image: string): { reference: string; repository: string; tag: string; digest?: string } {
  const [named = '', digest] = image.split('@');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : 'latest';
  const first = name.split('/')[0] ?? '';
  const hosted = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const repository = hosted ? name.slice(first.length + 1) : name.includes('/') ? name : `library/${name}`;
  return { reference: `${name}:${tag}`, repository, tag, ...(digest === undefined ? {} : { digest }) };
}

function collect(into: Found, addon: string, builtin: boolean, images: readonly string[]): void {
  for (const image of images) {
    const { reference, digest } = splitImage(image);
    const seen = into.get(reference) ?? { addons: [], builtin };
    if (!seen.addons.includes(addon)) seen.addons.push(addon);
    into.set(reference, digest === undefined || seen.digest !== undefined ? seen : { ...seen, digest });
  }
}

export async function addonImages(completed: CompletedSpec, store?: ObjectStore): Promise<AddonImage[]> {
  const spec = completed.cluster.spec;
  // Rendered without the mirror, the templates name each image upstream; the mirror's name is the context's mapping of it.
  // Without the service accounts' roles too: they name no image, and their ARNs the cloud account, not read here.
  const iam = spec.iam === undefined ? {} : { iam: { ...spec.iam, serviceAccountExternalPermissions: [] } };
  const upstream: CompletedSpec = { ...completed, cluster: { ...completed.cluster, spec: { ...spec, ...iam, assets: { ...spec.assets, containerRegistry: undefined } } } };
  const found: Found = new Map();
  for (const addon of builtinAddons(upstream, await cloudAddonsOf(spec.cloudProvider))) collect(found, addon.name, true, imagesIn(addon.objects));
  if (store !== undefined) await collectUserAddons(found, store, completed.cluster.metadata.name);
  const mirrored = spec.assets?.containerRegistry !== undefined && spec.assets.containerRegistry !== '';
  const toMirror = addonContext(completed).image;
  return [...found].map(([reference, { addons, builtin, digest }]) => {
    const parts = splitImage(reference);
    return {
      addons,
      reference,
      repository: parts.repository,
      tag: parts.tag,
      ...(digest === undefined ? {} : { digest }),
      ...(mirrored && builtin ? { mirror: toMirror(reference) } : {}),
    };
  });
}

/** The user addons of the published channel: their images as the state store holds them. */
async function collectUserAddons(into: Found, store: ObjectStore, cluster: string): Promise<void> {
  const stored = await store.get(addonChannelKey(cluster));
  if (stored === undefined) return;
  const channel = AddonChannelSchema.safeParse(parseAllDocuments(Buffer.from(stored.body).toString('utf8'))[0]?.toJS());
  if (!channel.success) return;
  for (const entry of channel.data.addons.filter((a) => a.source === 'user')) {
    const manifest = await store.get(addonManifestKey(cluster, entry.name, entry.sha256));
    if (manifest === undefined) continue;
    const docs = parseAllDocuments(Buffer.from(manifest.body).toString('utf8'));
    collect(into, entry.name, false, imagesIn(Array.isArray(docs) ? docs.map((d) => d.toJS() as Json) : []));
  }
}
