/**
 * The files a node downloads, by Kubernetes version: which archives, at which versions, and
 * where they live. Versions follow `kubernetesVersion` (etcd and containerd as the upstream
 * release of that minor was tested with), unless the spec pins them.
 *
 * Every asset has a path that is the same in every repository: a mirror
 * (`spec.assets.fileRepository`) keeps the files at the same paths below its own root, so
 * pointing a cluster at a mirror changes only the base of each URL. Without a mirror, the
 * upstream release locations are used.
 */

import type { CompletedSpec } from '../api/index.js';
import { parseKubernetesVersion } from '../api/versions.js';

export const ASSET_NAMES = ['kubernetes-node', 'kubernetes-server', 'etcd', 'containerd'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

/** Which roles install an asset. */
/** APIServer machines run the API server from the server archive, and a kubelet as nodes do. */
export type AssetRole = 'ControlPlane' | 'APIServer' | 'Node';

export interface AssetSource {
  readonly name: AssetName;
  readonly version: string;
  /** Below a repository's root, e.g. `kubernetes/v1.34.0/kubernetes-node-linux-amd64.tar.gz`. */
  readonly path: string;
  /** Where the release itself is published. */
  readonly upstream: string;
  /** Where the project publishes the release file's sha256 (each project has its own way). */
  readonly upstreamChecksum: ChecksumSource;
  readonly roles: readonly AssetRole[];
}

/**
 * Where a file's sha256 is published: a file holding that one checksum (`<hex>` or sha256sum's
 * `<hex>  <name>`), or a list of sums (`SHA256SUMS`, `SHASUMS256.txt`) where the line of `entry`
 * is the one.
 */
export interface ChecksumSource {
  readonly url: string;
  readonly entry?: string;
}

/** An asset with its location chosen: still without its checksum. */
export interface AssetLocation {
  readonly name: AssetName;
  readonly version: string;
  readonly url: string;
  readonly roles: readonly AssetRole[];
  /** Below a repository's root: the same in every mirror. */
  readonly path: string;
  /** True when `url` is the project's own release location, not a mirror. */
  readonly upstream: boolean;
  /** Where the sha256 of the file at `url` is published. */
  readonly checksum: ChecksumSource;
}

export type HashAlgorithm = 'sha256' | 'sha512';

/**
 * The hash that pins a file, lower-case hex: its sha256, or its sha512 where that is the value
 * the project publishes outside its download server (Kubernetes's changelog lists the release
 * tarballs' sha512 only), so that a plan pins a value it holds rather than one it must fetch.
 */
export type AssetHash = { readonly sha256: string; readonly sha512?: undefined } | { readonly sha512: string; readonly sha256?: undefined };

/** A location with the hash that pins it, as nodeup.yaml carries it. */
export type PinnedAsset = AssetLocation & AssetHash;

/** `{ algorithm, hex }` of a pin. */
export function hashOf(pin: AssetHash): { readonly algorithm: HashAlgorithm; readonly hex: string } {
  return pin.sha512 !== undefined ? { algorithm: 'sha512', hex: pin.sha512 } : { algorithm: 'sha256', hex: pin.sha256 };
}

/** etcd as kubeadm of each minor ships it. */
const ETCD_BY_MINOR: Readonly<Record<string, string>> = {
  '1.30': '3.5.15',
  '1.31': '3.5.15',
  '1.32': '3.5.16',
  '1.33': '3.5.21',
  '1.34': '3.6.4',
  '1.35': '3.6.5',
};
const DEFAULT_ETCD = '3.6.4';
export const DEFAULT_CONTAINERD = '2.1.4';
const ARCH = 'amd64';

export function etcdVersionFor(kubernetesVersion: string): string {
  const v = parseKubernetesVersion(kubernetesVersion);
  if (!v) return DEFAULT_ETCD;
  const known = ETCD_BY_MINOR[`${v.major}.${v.minor}`];
  if (known !== undefined) return known;
  // A pre-release of the next minor keeps the newest etcd, never going back a patch on upgrade.
  const newest = Object.keys(ETCD_BY_MINOR).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).pop();
  const beyond = newest !== undefined && v.major === 1 && v.minor > Number(newest.split('.')[1]);
  return beyond ? (ETCD_BY_MINOR[newest] ?? DEFAULT_ETCD) : DEFAULT_ETCD;
}

/**
 * `1.34.0` and `v1.34.0` both give `1.34.0`; a pre-release keeps its suffix (`1.36.0-rc.1`), and
 * dl.k8s.io serves it at the same paths as a release (`v1.36.0-rc.1/kubernetes-node-…`), as kops
 * downloads it.
 */
export function plainVersion(v: string): string {
  return v.replace(/^v/, '');
}

/**
 * Where dl.k8s.io serves a Kubernetes build's files. A release at its short address (which
 * redirects to release/); a pre-release at release/, the address kops downloads them from,
 * since only that tree holds the alpha, beta and rc builds.
 */
export function kubernetesDownloads(version: string): string {
  const v = plainVersion(version);
  return parseKubernetesVersion(v)?.prerelease !== undefined ? `https://dl.k8s.io/release/v${v}` : `https://dl.k8s.io/v${v}`;
}

export function assetSources(spec: CompletedSpec): AssetSource[] {
  const c = spec.cluster.spec;
  const k8s = plainVersion(c.kubernetesVersion);
  const etcdPinned = c.etcdClusters.find((e) => e.version !== undefined)?.version;
  const etcd = plainVersion(etcdPinned ?? etcdVersionFor(k8s));
  const containerd = plainVersion(c.containerd?.version ?? DEFAULT_CONTAINERD);
  const kube = kubernetesDownloads(k8s);
  return [
    {
      name: 'kubernetes-node',
      version: k8s,
      path: `kubernetes/v${k8s}/kubernetes-node-linux-${ARCH}.tar.gz`,
      upstream: `${kube}/kubernetes-node-linux-${ARCH}.tar.gz`,
      upstreamChecksum: { url: `${kube}/kubernetes-node-linux-${ARCH}.tar.gz.sha256` },
      roles: ['ControlPlane', 'APIServer', 'Node'],
    },
    {
      name: 'kubernetes-server',
      version: k8s,
      path: `kubernetes/v${k8s}/kubernetes-server-linux-${ARCH}.tar.gz`,
      upstream: `${kube}/kubernetes-server-linux-${ARCH}.tar.gz`,
      upstreamChecksum: { url: `${kube}/kubernetes-server-linux-${ARCH}.tar.gz.sha256` },
      roles: ['ControlPlane', 'APIServer'],
    },
    {
      name: 'etcd',
      version: etcd,
      path: `etcd/v${etcd}/etcd-v${etcd}-linux-${ARCH}.tar.gz`,
      upstream: `https://github.com/etcd-io/etcd/releases/download/v${etcd}/etcd-v${etcd}-linux-${ARCH}.tar.gz`,
      // etcd publishes one list per release, not a file per archive.
      upstreamChecksum: { url: `https://github.com/etcd-io/etcd/releases/download/v${etcd}/SHA256SUMS`, entry: `etcd-v${etcd}-linux-${ARCH}.tar.gz` },
      roles: ['ControlPlane'],
    },
    {
      name: 'containerd',
      version: containerd,
      path: `containerd/v${containerd}/containerd-${containerd}-linux-${ARCH}.tar.gz`,
      upstream: `https://github.com/containerd/containerd/releases/download/v${containerd}/containerd-${containerd}-linux-${ARCH}.tar.gz`,
      // containerd's is `<file>.sha256sum`, in sha256sum's format.
      upstreamChecksum: { url: `https://github.com/containerd/containerd/releases/download/v${containerd}/containerd-${containerd}-linux-${ARCH}.tar.gz.sha256sum` },
      roles: ['ControlPlane', 'APIServer', 'Node'],
    },
  ];
}

/**
 * Each asset's URL: below `repository` when there is one, else upstream. A mirror keeps each
 * file's checksum beside it (`<file>.sha256`), as `hoist get assets --copy` writes it.
 */
export function assetLocations(spec: CompletedSpec, repository: string | undefined): AssetLocation[] {
  const base = repository?.replace(/\/+$/, '');
  return assetSources(spec).map((a) => {
    const upstream = base === undefined || base === '';
    const url = upstream ? a.upstream : `${base}/${a.path}`;
    return { name: a.name, version: a.version, url, roles: a.roles, path: a.path, upstream, checksum: upstream ? a.upstreamChecksum : { url: `${url}.sha256` } };
  });
}
