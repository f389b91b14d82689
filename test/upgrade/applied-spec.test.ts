/**
 * The spec a reconcile starts from is read from the first document of the completed spec, the
 * Cluster, without the instance groups that follow (a cluster of hundreds of groups costs one
 * document's work in every plan).
 */

import { afterEach, describe, expect, it } from 'vitest';
import { appliedClusterSpec } from '../../cloudup/upgrade/applied-spec.js';
import { MemfsStore, resetMemfs } from '../../state-store/backends/memfs.js';
import { completedSpecKey } from '../../state-store/layout.js';

const cluster = 'demo.k8s.local';
const clusterDoc = `apiVersion: hoist.dev/v1alpha1
kind: Cluster
metadata:
  name: ${cluster}
spec:
  kubernetesVersion: 1.34.2
  etcdClusters:
    - name: main
      version: 3.5.21
      members: [{ name: a, instanceGroup: control-plane-a }]
`;

afterEach(() => resetMemfs());

describe('appliedClusterSpec', () => {
  it('reads the version and etcd clusters from the first document and never parses the rest', async () => {
    const store = new MemfsStore('applied-spec');
    // A later document that cannot be parsed: reading it would fail or show errors.
    await store.put(completedSpecKey(cluster), `${clusterDoc}---\nkind: InstanceGroup\nspec: [unclosed\n---\n: : :\n`);
    const spec = await appliedClusterSpec(store, cluster);
    expect(spec).toEqual({ kubernetesVersion: '1.34.2', etcdClusters: [{ name: 'main', version: '3.5.21', members: [{ name: 'a', instanceGroup: 'control-plane-a' }] }] });
  });

  it('reads a first document that starts with its own marker, whose text holds dashes', async () => {
    const store = new MemfsStore('applied-spec');
    const withDashes = clusterDoc.replace('spec:\n', 'spec:\n  note: |\n    ---- not a marker\n');
    await store.put(completedSpecKey(cluster), `---\n${withDashes}---\nkind: InstanceGroup\nspec: [unclosed\n`);
    expect((await appliedClusterSpec(store, cluster))?.kubernetesVersion).toBe('1.34.2');
  });

  it('is undefined for a cluster never applied, or a first document without a version', async () => {
    const store = new MemfsStore('applied-spec');
    expect(await appliedClusterSpec(store, cluster)).toBeUndefined();
    await store.put(completedSpecKey(cluster), 'kind: Cluster\nspec: {}\n---\nkind: InstanceGroup\n');
    expect(await appliedClusterSpec(store, cluster)).toBeUndefined();
  });
});
