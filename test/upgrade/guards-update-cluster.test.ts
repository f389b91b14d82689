import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAssetMirror } from '../support/asset-mirror.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

// One AWS cluster at 1.35.0, applied as a Terraform module: that writes cluster-completed.spec,
// the applied spec the guards compare with, without a cloud (1.35.0's files are pinned in hoist,
// so no download is needed either).
const NAME = 'guards.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let state: string;
let original: string;

interface StoredCluster {
  spec: { kubernetesVersion: string; etcdClusters: { name: string; version?: string }[] };
}

async function replaceWith(text: string): Promise<void> {
  const file = join(dir.path, 'cluster.yaml');
  await writeFile(file, text);
  const r = await hoist(['replace', '-f', file], { env });
  expect(r.code, r.stderr).toBe(0);
}

async function edited(change: (c: StoredCluster) => void): Promise<void> {
  const cluster = parse(original) as StoredCluster;
  change(cluster);
  await replaceWith(stringify(cluster));
}

beforeAll(async () => {
  dir = await tempDir();
  state = join(dir.path, 'state');
  // No kubeconfig: the nodes' versions are the applied spec's.
  env = { HOIST_STATE_STORE: `file://${state}`, HOIST_CLUSTER_NAME: NAME, HOME: dir.path, TMPDIR: dir.path, KUBECONFIG: join(dir.path, 'none') };
  const created = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com', '--kubernetes-version', '1.35.0'], { env });
  expect(created.code, created.stderr).toBe(0);
  const applied = await hoist(['update', 'cluster', '--target', 'terraform', '--out', join(dir.path, 'tf')], { env });
  expect(applied.code, applied.stderr).toBe(0);
  original = (await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout;
});
afterAll(async () => dir.cleanup());

describe('update cluster runs the version guards against the applied spec', () => {
  it('refuses a two-minor jump with the intermediate release, and leaves the state store as it was', async () => {
    await edited((c) => void (c.spec.kubernetesVersion = '1.33.2'));
    const before = await treeDigest(state);
    for (const args of [['update', 'cluster'], ['update', 'cluster', '--yes'], ['update', 'cluster', '--target', 'terraform', '--out', join(dir.path, 'tf2')]]) {
      const r = await hoist(args, { env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`the version change of ${NAME} (1.35.0 applied, 1.33.2 in the spec) has`);
      expect(r.stderr).toContain('spec.kubernetesVersion: "1.33.2" skips a minor: the cluster runs 1.35.0');
      expect(r.stderr).toContain(`set spec.kubernetesVersion to 1.34.0 first, apply it and roll the machines (hoist reconcile cluster ${NAME} --yes)`);
      // Down a minor with update cluster, the control plane would be rolled first.
      expect(r.stderr).toContain("is older than the kubelets of the nodes (the applied spec's version) (1.35.0)");
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(await treeDigest(state)).toBe(before);
  });

  it('refuses an etcd downgrade across a minor with the backup and restore commands, and leaves the state store as it was', async () => {
    await edited((c) => void (c.spec.etcdClusters = c.spec.etcdClusters.map((e) => ({ ...e, version: '3.5.21' }))));
    const before = await treeDigest(state);
    const r = await hoist(['update', 'cluster', '--yes'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has 2 problems');
    expect(r.stderr).toContain('spec.etcdClusters[0].version: "3.5.21" is a downgrade of etcd/main from 3.6.5 across a minor');
    expect(r.stderr).toContain(`hoist etcd backup ${NAME} --cluster main`);
    expect(r.stderr).toContain(`hoist etcd restore ${NAME} --cluster main --backup ID --yes`);
    expect(r.stderr).toContain('keep etcd at 3.6.5 (set spec.etcdClusters[0].version: 3.6.5)');
    expect(await treeDigest(state)).toBe(before);
  });

  it('goes ahead with --allow-version-skew, with a warning', async () => {
    await edited((c) => void (c.spec.etcdClusters = c.spec.etcdClusters.map((e) => ({ ...e, version: '3.5.21' }))));
    // hoist pins no checksum of etcd 3.5.21: a stand-in mirror in the test's folder has the files.
    await useAssetMirror((args, stdin) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) }), NAME, join(dir.path, 'mirror'));
    const r = await hoist(['update', 'cluster', '--allow-version-skew', '--target', 'terraform', '--out', join(dir.path, 'tf3')], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--allow-version-skew: going ahead although spec.etcdClusters[0].version "3.5.21" is a downgrade of etcd/main from 3.6.5');
    // The module written, 3.5.21 is the applied version: a rerun has nothing to refuse or warn of.
    const again = await hoist(['update', 'cluster', '--target', 'terraform', '--out', join(dir.path, 'tf3')], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('version-skew');
  });
});
