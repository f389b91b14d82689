/**
 * Checksums of the release files and image digests that hoist's default versions use, kept in
 * the source so that planning a default cluster, and listing its assets, needs no network for
 * them (kops keeps such a table too: pkg/assets/assetdata). Each value is copied from a
 * published file, named beside it; none is computed here.
 *
 * Kubernetes publishes no sha256 of its release tarballs anywhere but dl.k8s.io itself (its
 * changelog lists sha512), so those keep the sha512 only, and that is what pins them: the plan
 * writes it into nodeup.yaml and nodeup checks the download's sha512 (`get assets --copy` checks
 * it too). A file with neither here is pinned by reading its project's checksum file at plan
 * time.
 */

import type { AssetName } from './catalog.js';

export interface KnownFile {
  /** Lower-case hex. */
  readonly sha256?: string;
  /** Lower-case hex, where the project publishes sha512 instead. */
  readonly sha512?: string;
  /** The published file the value was copied from. */
  readonly from: string;
}

const K8S_CHANGELOG = 'kubernetes/kubernetes: CHANGELOG/CHANGELOG-1.35.md (Downloads for v1.35.0, sha512)';

/** By `<asset name>@<version>`. */
export const KNOWN_FILES: Readonly<Record<string, KnownFile>> = {
  'kubernetes-node@1.35.0': {
    sha512: '179278fecb65d246443f58cef00ca2f2a9d0ac6fbdb310994f0ac7fca249f7bdc1c79ea7f3e5455c1e2d2460f5447d006bfa579f97b502ee7034b2a1927f934a',
    from: K8S_CHANGELOG,
  },
  'kubernetes-server@1.35.0': {
    sha512: '23af53c49de841a0d5c19d9525d820cecc9d55367c132296a5f381d051438bf06dcddff3d0236df8ba6011a6aa5d0ffc31960d277c7f53a0ad98e66d6f8d6a0a',
    from: K8S_CHANGELOG,
  },
  'etcd@3.6.5': {
    sha256: '66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3',
    from: "the release's SHA256SUMS, as pinned by openstack/kolla: kolla/common/sources.py (etcd 3.6.5, amd64)",
  },
  'containerd@2.1.4': {
    sha256: '316d510a0428276d931023f72c09fdff1a6ba81d6cc36f31805fea6a3c88f515',
    from: 'kubernetes/kops: pkg/assets/assetdata/containerd-2.1.yaml (v2.1.4/containerd-2.1.4-linux-amd64.tar.gz)',
  },
};

export function knownFile(name: AssetName, version: string): KnownFile | undefined {
  return KNOWN_FILES[`${name}@${version}`];
}

export interface KnownImage {
  /** `sha256:<hex>`: the digest of the image's index (all platforms), as a pull by digest uses it. */
  readonly digest: string;
  readonly from: string;
}

const RENOVATE_PINS = 'randomcoww/homelab: the Terraform locals container_images (digests kept by renovate)';

/** By `<repository>:<tag>` below registry.k8s.io. */
export const KNOWN_IMAGES: Readonly<Record<string, KnownImage>> = {
  'kube-apiserver:v1.35.0': { digest: 'sha256:32f98b308862e1cf98c900927d84630fb86a836a480f02752a779eb85c1489f3', from: RENOVATE_PINS },
  'kube-controller-manager:v1.35.0': { digest: 'sha256:3e343fd915d2e214b9a68c045b94017832927edb89aafa471324f8d05a191111', from: RENOVATE_PINS },
  'kube-scheduler:v1.35.0': { digest: 'sha256:0ab622491a82532e01876d55e365c08c5bac01bcd5444a8ed58c1127ab47819f', from: RENOVATE_PINS },
  'kube-proxy:v1.35.0': { digest: 'sha256:c818ca1eff765e35348b77e484da915175cdf483f298e1f9885ed706fcbcb34c', from: RENOVATE_PINS },
  'etcd:3.6.5-0': {
    digest: 'sha256:042ef9c02799eb9303abf1aa99b09f09d94b8ee3ba0c2dd3f42dc4e1d3dce534',
    from: 'public pins of registry.k8s.io/etcd:3.6.5-0@sha256:… (an operator\'s Go default image, a Nix dockerTools.pullImage); the same digest as gcr.io/etcd-development/etcd:v3.6.5',
  },
  'pause:3.10': {
    digest: 'sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a',
    from: 'public pins of registry.k8s.io/pause:3.10@sha256:… (Dockerfiles, compose files and manifests that agree)',
  },
};

export function knownImage(repository: string, tag: string): KnownImage | undefined {
  return KNOWN_IMAGES[`${repository}:${tag}`];
}
