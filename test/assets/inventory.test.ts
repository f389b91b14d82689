/** What `get assets` lists for a spec: mirrors, pinned versions, and the images nodeup uses. */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { assetLocations } from '../../src/assets/catalog.js';
import { assetInventory } from '../../src/assets/inventory.js';
import type { FileEntry, ImageEntry } from '../../src/assets/inventory.js';
import { buildNodeupConfig } from '../../cloudup/nodeup/build.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

function awsSpec(edit: (spec: CompletedSpec['cluster']['spec']) => object = () => ({})): CompletedSpec {
  const s = newClusterSpec({ name: 'inv.example.com', cloud: 'aws', zones: ['us-east-1a'], topology: 'public' }, SPEC_RULES);
  return completeSpec({ ...s.cluster, spec: { ...s.cluster.spec, ...edit(s.cluster.spec as CompletedSpec['cluster']['spec']) } }, s.instanceGroups);
}
const files = (spec: CompletedSpec) => assetInventory(spec).filter((e): e is FileEntry => e.kind === 'file');
const images = (spec: CompletedSpec) => assetInventory(spec).filter((e): e is ImageEntry => e.kind === 'image');

describe('the asset inventory', () => {
  it('gives each file and image its mirror location, and reads mirrored checksums beside the files', () => {
    const spec = awsSpec(() => ({ assets: { fileRepository: 'https://mirror.example/k8s/', containerRegistry: 'registry.example:5000/k8s' } }));
    const etcd = files(spec).find((f) => f.name === 'etcd');
    expect(etcd).toMatchObject({
      mirror: 'https://mirror.example/k8s/etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz',
      checksum: { url: 'https://mirror.example/k8s/etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz.sha256' },
    });
    expect(files(spec).find((f) => f.name === 'nodejs')?.mirror).toMatch(/^https:\/\/mirror\.example\/k8s\/nodejs\/v20\.\d+\.\d+\/node-v20\.\d+\.\d+-linux-x64\.tar\.gz$/);
    expect(images(spec).map((i) => i.mirror)).toEqual([
      'registry.example:5000/k8s/kube-apiserver:v1.35.0',
      'registry.example:5000/k8s/kube-controller-manager:v1.35.0',
      'registry.example:5000/k8s/kube-scheduler:v1.35.0',
      'registry.example:5000/k8s/etcd:3.6.5-0',
      'registry.example:5000/k8s/kube-proxy:v1.35.0',
      'registry.example:5000/k8s/pause:3.10',
    ]);
    // The plan reads the same locations.
    expect(assetLocations(spec, 'https://mirror.example/k8s/').find((a) => a.name === 'etcd')?.checksum).toEqual(etcd?.checksum);
  });

  it('follows pinned etcd and containerd versions, without known hashes for them, and leaves kube-proxy out when it is off', () => {
    const spec = awsSpec((c) => ({
      containerd: { version: '2.1.99' },
      etcdClusters: (c.etcdClusters ?? []).map((e) => ({ ...e, version: '3.6.99' })),
      kubeProxy: { enabled: false },
    }));
    expect(files(spec).find((f) => f.name === 'etcd')).toMatchObject({
      version: '3.6.99',
      pin: 'plan',
      checksum: { url: 'https://github.com/etcd-io/etcd/releases/download/v3.6.99/SHA256SUMS', entry: 'etcd-v3.6.99-linux-amd64.tar.gz' },
    });
    expect(files(spec).find((f) => f.name === 'containerd')).toMatchObject({
      version: '2.1.99',
      pin: 'plan',
      checksum: { url: 'https://github.com/containerd/containerd/releases/download/v2.1.99/containerd-2.1.99-linux-amd64.tar.gz.sha256sum' },
    });
    expect(images(spec).map((i) => `${i.name}:${i.version} ${i.pin}`)).toEqual([
      'kube-apiserver:v1.35.0 known',
      'kube-controller-manager:v1.35.0 known',
      'kube-scheduler:v1.35.0 known',
      'etcd:3.6.99-0 unknown',
      'pause:3.10 known',
    ]);
  });

  it("lists the sandbox image nodeup.yaml gives containerd, and the control plane's images by the tags nodeup uses", () => {
    const spec = awsSpec();
    const plane = spec.instanceGroups.find((ig) => ig.spec.role === 'ControlPlane')!;
    const config = buildNodeupConfig(spec, plane, { stateStore: 'file:///s', assets: assetLocations(spec, undefined) });
    const sources = images(spec).map((i) => i.source);
    expect(sources).toContain(config.containerd.sandboxImage);
    expect(sources).toContain(`${config.imageRegistry}/kube-apiserver:v${config.kubernetesVersion}`);
    for (const e of config.controlPlane?.etcdClusters ?? []) expect(sources).toContain(`${config.imageRegistry}/etcd:${e.version}-0`);
  });
});
