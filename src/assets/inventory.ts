/**
 * Everything a cluster's machines download, as `hoist get assets` lists it: the files (Node.js
 * runtime, nodeup bundle, Kubernetes, etcd, containerd) and the container images, each with its
 * version, upstream location, mirror location and the hash that pins it. Listing reads nothing
 * over the network: a hash hoist does not hold is shown with where the plan reads it.
 */

import type { CompletedSpec } from '../api/index.js';
import type { AssetRole, ChecksumSource } from './catalog.js';
import { assetSources } from './catalog.js';
import { imageAssets } from './images.js';
import { knownFile } from './known.js';
import { NODE_RUNTIME } from './node-runtime.js';

/**
 * How the hash is known: `known` (hoist's table of published checksums: a sha256, or the sha512
 * that pins Kubernetes's tarballs), `build` (the nodeup
 * bundle of this hoist build), `plan` (read from `checksum` when the cluster is planned),
 * `unknown` (an image digest hoist does not hold: machines pull by tag).
 */
export type PinSource = 'known' | 'build' | 'plan' | 'unknown';

export interface FileEntry {
  readonly kind: 'file';
  readonly name: string;
  readonly version: string;
  readonly roles: readonly AssetRole[];
  /** Below a mirror's root; absent for the nodeup bundle, which lives in the state store. */
  readonly path?: string;
  readonly source: string;
  readonly mirror?: string;
  readonly sha256?: string;
  /** Where a project publishes sha512 only (Kubernetes), the published value: what pins the file when `sha256` is absent. */
  readonly sha512?: string;
  readonly pin: PinSource;
  /** Where the sha256 is published (upstream, or beside the file in the mirror). */
  readonly checksum?: ChecksumSource;
}

export interface ImageEntry {
  readonly kind: 'image';
  readonly name: string;
  readonly version: string;
  readonly roles: readonly AssetRole[];
  readonly source: string;
  readonly mirror?: string;
  /** `sha256:<hex>` */
  readonly digest?: string;
  readonly pin: PinSource;
}

export type AssetEntry = FileEntry | ImageEntry;

export interface InventoryOptions {
  /** The nodeup bundle of this build: its version, sha256 and state-store URL; absent when the build has none. */
  readonly nodeup?: { readonly version: string; readonly sha256: string; readonly url: string };
}

const ALL: readonly AssetRole[] = ['ControlPlane', 'APIServer', 'Node'];

export function assetInventory(spec: CompletedSpec, options: InventoryOptions = {}): AssetEntry[] {
  const repository = spec.cluster.spec.assets?.fileRepository?.replace(/\/+$/, '');
  const mirrored = (path: string) => (repository === undefined || repository === '' ? {} : { mirror: `${repository}/${path}` });
  const nodeRuntime: FileEntry = {
    kind: 'file',
    name: 'nodejs',
    version: NODE_RUNTIME.version,
    roles: ALL,
    path: NODE_RUNTIME.path,
    source: NODE_RUNTIME.upstream,
    ...mirrored(NODE_RUNTIME.path),
    sha256: NODE_RUNTIME.sha256,
    pin: 'known',
    checksum: NODE_RUNTIME.upstreamChecksum,
  };
  const nodeup: FileEntry = {
    kind: 'file',
    name: 'nodeup',
    version: options.nodeup?.version ?? '',
    roles: ALL,
    source: options.nodeup?.url ?? '',
    ...(options.nodeup === undefined ? { pin: 'unknown' as const } : { sha256: options.nodeup.sha256, pin: 'build' as const }),
  };
  const files = assetSources(spec).map((a): FileEntry => {
    const known = knownFile(a.name, a.version);
    const checksum = repository === undefined || repository === '' ? a.upstreamChecksum : { url: `${repository}/${a.path}.sha256` };
    return {
      kind: 'file',
      name: a.name,
      version: a.version,
      roles: a.roles,
      path: a.path,
      source: a.upstream,
      ...mirrored(a.path),
      // A known sha512 pins the file as a known sha256 does (the plan pins and nodeup checks it).
      ...(known?.sha256 !== undefined ? { sha256: known.sha256, pin: 'known' as const } : known?.sha512 !== undefined ? { pin: 'known' as const } : { pin: 'plan' as const }),
      ...(known?.sha512 === undefined ? {} : { sha512: known.sha512 }),
      checksum,
    };
  });
  const images = imageAssets(spec).map(
    (i): ImageEntry => ({
      kind: 'image',
      name: i.repository,
      version: i.tag,
      roles: i.roles,
      source: i.upstream,
      ...(i.mirror === undefined ? {} : { mirror: i.mirror }),
      ...(i.digest === undefined ? { pin: 'unknown' as const } : { digest: i.digest, pin: 'known' as const }),
    }),
  );
  return [nodeRuntime, nodeup, ...files, ...images];
}
