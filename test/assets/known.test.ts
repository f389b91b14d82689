/**
 * The table of known hashes covers every file and image of hoist's default versions, so a
 * default version bumped without its hashes fails here rather than sending plans to the network.
 */

import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTAINERD, etcdVersionFor } from '../../src/assets/catalog.js';
import { SANDBOX_IMAGE } from '../../src/assets/images.js';
import { KNOWN_FILES, KNOWN_IMAGES, knownFile, knownImage } from '../../src/assets/known.js';
import { NODE_RUNTIME, nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/api/versions.js';

const K8S = DEFAULT_KUBERNETES_VERSION.replace(/^v/, '');
const ETCD = etcdVersionFor(K8S);

describe('known hashes', () => {
  it('hold a sha256 for every default archive that has one published outside its own server, and the sha512 of the Kubernetes ones', () => {
    expect(knownFile('etcd', ETCD)?.sha256, `etcd ${ETCD}`).toMatch(/^[0-9a-f]{64}$/);
    expect(knownFile('containerd', DEFAULT_CONTAINERD)?.sha256, `containerd ${DEFAULT_CONTAINERD}`).toMatch(/^[0-9a-f]{64}$/);
    // Kubernetes publishes the tarballs' sha512 in its changelog and their sha256 only on dl.k8s.io.
    for (const name of ['kubernetes-node', 'kubernetes-server'] as const) {
      expect(knownFile(name, K8S)?.sha512, `${name} ${K8S}`).toMatch(/^[0-9a-f]{128}$/);
    }
  });

  it('hold the digest of every default image', () => {
    const images = [...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map((r) => `${r}:v${K8S}`), `etcd:${ETCD}-0`, SANDBOX_IMAGE];
    for (const image of images) {
      const [repository = '', tag = ''] = image.split(':');
      expect(knownImage(repository, tag)?.digest, image).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('are well formed and each names where it was copied from', () => {
    for (const [key, f] of Object.entries(KNOWN_FILES)) {
      expect(key).toMatch(/^[a-z-]+@\d+\.\d+\.\d+$/);
      expect(f.sha256 ?? f.sha512, key).toBeDefined();
      if (f.sha256 !== undefined) expect(f.sha256, key).toMatch(/^[0-9a-f]{64}$/);
      if (f.sha512 !== undefined) expect(f.sha512, key).toMatch(/^[0-9a-f]{128}$/);
      expect(f.from.length, key).toBeGreaterThan(10);
    }
    for (const [key, i] of Object.entries(KNOWN_IMAGES)) {
      expect(i.digest, key).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(i.from.length, key).toBeGreaterThan(10);
    }
  });
});

describe('the Node.js runtime', () => {
  it('is the linux-x64 tarball of a Node 20 release, pinned', () => {
    expect(NODE_RUNTIME.version).toMatch(/^20\.\d+\.\d+$/);
    expect(NODE_RUNTIME.fileName).toBe(`node-v${NODE_RUNTIME.version}-linux-x64.tar.gz`);
    expect(NODE_RUNTIME.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(NODE_RUNTIME.upstreamChecksum).toEqual({ url: `https://nodejs.org/dist/v${NODE_RUNTIME.version}/SHASUMS256.txt`, entry: NODE_RUNTIME.fileName });
  });

  it('comes from upstream, or from the same path below a file repository, with the same pin', () => {
    const v = NODE_RUNTIME.version;
    expect(nodeRuntimeAsset()).toEqual({ version: v, url: `https://nodejs.org/dist/v${v}/node-v${v}-linux-x64.tar.gz`, sha256: NODE_RUNTIME.sha256 });
    expect(nodeRuntimeAsset('')).toEqual(nodeRuntimeAsset());
    expect(nodeRuntimeAsset('file:///srv/mirror/')).toEqual({ version: v, url: `file:///srv/mirror/nodejs/v${v}/node-v${v}-linux-x64.tar.gz`, sha256: NODE_RUNTIME.sha256 });
  });
});
