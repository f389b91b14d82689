/** nodeup.yaml and its hash: pure, following the spec and the pinned checksums, with assets from a mirror. */

import { describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { assetLocations, parseChecksumFile, pinAssets } from '../../src/assets/index.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/index.js';
import { nodeConfigHashes } from '../../cloudup/node-config.js';
import { parseBootConfig } from '../../nodeup/config/boot.js';
import { CONTROL_PLANE, NODES, standardSpec } from './support.js';

const HEX = 'a'.repeat(64);
const pinned = (spec: CompletedSpec, repo = 'file:///mirror') => assetLocations(spec, repo).map((a) => ({ ...a, sha256: HEX }));
const configs = (spec: CompletedSpec) => buildNodeupConfigs(spec, { stateStore: 'file:///state', assets: pinned(spec) });

function edit(spec: CompletedSpec, cluster: object, group: object = {}): CompletedSpec {
  return completeSpec({ ...spec.cluster, spec: { ...spec.cluster.spec, ...cluster } }, spec.instanceGroups.map((ig) => ({ ...ig, spec: { ...ig.spec, ...(ig.metadata.name === NODES ? group : {}) } })));
}

describe('nodeup.yaml', () => {
  it('is a pure function of the spec and the pinned checksums', () => {
    const spec = standardSpec();
    const a = configs(spec);
    expect([...a.keys()].sort()).toEqual([CONTROL_PLANE, NODES]);
    expect(configs(standardSpec()).get(NODES)!.hash).toBe(a.get(NODES)!.hash);
    expect(a.get(NODES)!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Sizes do not change what a machine runs; versions, ranges and checksums do.
    expect(configs(edit(spec, {}, { minSize: 3, maxSize: 5 })).get(NODES)!.hash).toBe(a.get(NODES)!.hash);
    expect(configs(edit(spec, { kubernetesVersion: '1.33.2' })).get(NODES)!.hash).not.toBe(a.get(NODES)!.hash);
    expect(configs(edit(spec, { kubelet: { maxPods: 50 } })).get(NODES)!.hash).not.toBe(a.get(NODES)!.hash);
    const other = buildNodeupConfigs(spec, { stateStore: 'file:///state', assets: pinned(spec).map((p) => ({ ...p, sha256: 'b'.repeat(64) })) });
    expect(other.get(NODES)!.hash).not.toBe(a.get(NODES)!.hash);
    expect(nodeConfigHashes(spec, a)(NODES)).toBe(a.get(NODES)!.hash);
  });

  it('gives workers no secrets and the control plane its components, etcd members and CA keys', () => {
    const c = configs(standardSpec());
    const node = c.get(NODES)!.config;
    expect(node.pki).toEqual({ trust: ['kubernetes-ca'], secrets: [], credentials: ['kubelet-bootstrap', 'kube-proxy'] });
    expect(node.controlPlane).toBeUndefined();
    expect(node.assets.map((a) => a.name)).toEqual(['kubernetes-node', 'containerd']);
    const plane = c.get(CONTROL_PLANE)!.config;
    expect(plane.pki.secrets).toContain('kubernetes-ca');
    expect(plane.controlPlane!.etcdClusters.map((e) => `${e.name} ${e.member} ${e.version} ${e.clientPort}`)).toEqual(['main a 3.4.23 2379', 'events a 3.4.23 4002']);
    expect(plane.controlPlane!.apiServer).toMatchObject({ serviceClusterIPRange: '100.64.0.0/13', kubernetesServiceIP: '100.64.0.1' });
    expect(plane.kubelet.clusterDNS).toBe('100.64.0.10');
    expect(plane.kubeProxy.clusterCIDR).toBe('100.96.0.0/11');
  });

  it('gives an APIServer machine the API server settings, the control plane\'s etcd clusters to reach, and the CA keys it issues from, without etcd', () => {
    const spec = standardSpec();
    const plane = spec.instanceGroups.find((ig) => ig.metadata.name === CONTROL_PLANE)!;
    const api = { ...plane, metadata: { ...plane.metadata, name: 'apiserver' }, spec: { ...plane.spec, role: 'APIServer' as const } };
    const c = configs(completeSpec(spec.cluster, [...spec.instanceGroups, api])).get('apiserver')!.config;
    expect(c.role).toBe('APIServer');
    expect(c.pki).toEqual({ trust: ['kubernetes-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca'], secrets: ['kubernetes-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca', 'service-account'], credentials: [] });
    expect(c.controlPlane).toMatchObject({ etcdClusters: [], remoteEtcd: [{ name: 'main', clientPort: 2379 }, { name: 'events', clientPort: 4002 }] });
    expect(c.controlPlane?.controllerManager).toBeUndefined();
    expect(c.controlPlane?.scheduler).toBeUndefined();
    expect(c.assets.map((a) => a.name)).toEqual(['kubernetes-node', 'kubernetes-server', 'containerd']);
    expect(c.kubelet.nodeLabels).toHaveProperty('node-role.kubernetes.io/api-server', '');
    expect(c.kubelet.taints).toContain('node-role.kubernetes.io/api-server=:NoSchedule');
  });

  it("takes assets from the mirror when the spec names one, else from upstream, at versions that follow kubernetesVersion (etcd: the local cloud's default)", () => {
    const spec = edit(standardSpec(), { assets: { fileRepository: 'https://mirror.example/k8s/' }, kubernetesVersion: '1.33.2' });
    expect(assetLocations(spec, spec.cluster.spec.assets?.fileRepository).map((a) => a.url)).toEqual([
      'https://mirror.example/k8s/kubernetes/v1.33.2/kubernetes-node-linux-amd64.tar.gz',
      'https://mirror.example/k8s/kubernetes/v1.33.2/kubernetes-server-linux-amd64.tar.gz',
      'https://mirror.example/k8s/etcd/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz',
      'https://mirror.example/k8s/containerd/v2.1.4/containerd-2.1.4-linux-amd64.tar.gz',
    ]);
    expect(assetLocations(spec, undefined)[0]!.url).toBe('https://dl.k8s.io/v1.33.2/kubernetes-node-linux-amd64.tar.gz');
  });

  it('pins each checksum from <url>.sha256', async () => {
    const spec = standardSpec();
    const read = async (url: string) => Buffer.from(`${url.includes('etcd') ? 'b'.repeat(64) : HEX}  file.tar.gz\n`);
    const assets = await pinAssets(assetLocations(spec, 'file:///m'), read);
    expect(assets.find((a) => a.name === 'etcd')!.sha256).toBe('b'.repeat(64));
    expect(parseChecksumFile(`${HEX.toUpperCase()}\n`, 'x')).toBe(HEX);
    expect(() => parseChecksumFile('<html>not found</html>', 'https://m/x.sha256')).toThrow(/https:\/\/m\/x\.sha256: not a sha256 checksum file/);
  });

  it('reads a boot configuration, and says what is wrong with one that is not', () => {
    expect(parseBootConfig(`stateStore: s3://b\ncluster: c\ninstanceGroup: g\nconfigHash: sha256:${HEX}\n`, 'user-data').instanceGroup).toBe('g');
    expect(() => parseBootConfig('stateStore: s3://b\ncluster: c\ninstanceGroup: g\nconfigHash: abc\n', 'user-data')).toThrow(/user-data is not a hoist boot configuration: configHash/);
  });
});
