/**
 * The container images a cluster's machines pull: the control plane's static pods (API server,
 * controller manager, scheduler, etcd), kube-proxy and containerd's sandbox (pause) image. They
 * come from registry.k8s.io unless `spec.assets.containerRegistry` names a mirror, which must
 * hold them under the same repository names and tags.
 */

import type { CompletedSpec } from '../api/index.js';
import type { AssetRole } from './catalog.js';
import { etcdVersionFor, plainVersion } from './catalog.js';
import { knownImage } from './known.js';

export const UPSTREAM_REGISTRY = 'registry.k8s.io';

/** containerd's sandbox image (below the registry), as nodeup.yaml names it. */
export const SANDBOX_IMAGE = 'pause:3.10';

export interface ImageAsset {
  /** Repository below the registry, e.g. `kube-apiserver`. */
  readonly repository: string;
  readonly tag: string;
  readonly roles: readonly AssetRole[];
  /** `registry.k8s.io/<repository>:<tag>`. */
  readonly upstream: string;
  /** The same image in `spec.assets.containerRegistry`, when set. */
  readonly mirror?: string;
  /** `sha256:<hex>` where known; undefined otherwise. */
  readonly digest?: string;
}

export function imageAssets(spec: CompletedSpec): ImageAsset[] {
  const c = spec.cluster.spec;
  const k8s = `v${plainVersion(c.kubernetesVersion)}`;
  const mirror = c.assets?.containerRegistry?.replace(/\/+$/, '');
  const plane: AssetRole[] = ['ControlPlane'];
  const apiServers: AssetRole[] = ['ControlPlane', 'APIServer'];
  const all: AssetRole[] = ['ControlPlane', 'APIServer', 'Node'];
  const etcdTags = [...new Set(c.etcdClusters.map((e) => `${plainVersion(e.version ?? etcdVersionFor(c.kubernetesVersion))}-0`))];
  const [sandboxRepository = 'pause', sandboxTag = ''] = SANDBOX_IMAGE.split(':');
  const wanted: [string, string, AssetRole[]][] = [
    ['kube-apiserver', k8s, apiServers],
    ['kube-controller-manager', k8s, plane],
    ['kube-scheduler', k8s, plane],
    ...etcdTags.map((tag): [string, string, AssetRole[]] => ['etcd', tag, plane]),
    // kops runs kube-proxy unless told not to; so does hoist (kubeProxy.enabled).
    ...(c.kubeProxy?.enabled === false ? [] : [['kube-proxy', k8s, all] as [string, string, AssetRole[]]]),
    [sandboxRepository, sandboxTag, all],
  ];
  return wanted.map(([repository, tag, roles]) => {
    const digest = knownImage(repository, tag)?.digest;
    return {
      repository,
      tag,
      roles,
      upstream: `${UPSTREAM_REGISTRY}/${repository}:${tag}`,
      ...(mirror === undefined || mirror === '' ? {} : { mirror: `${mirror}/${repository}:${tag}` }),
      ...(digest === undefined ? {} : { digest }),
    };
  });
}
