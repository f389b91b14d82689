import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

// One spec, at an old patch with containerd and cilium pinned to old releases: every component
// the channel lists has something to upgrade.
const NAME = 'upgrade.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let state: string;

interface StoredCluster {
  spec: { kubernetesVersion: string; channel?: string; containerd?: { version?: string }; networking?: { cilium?: { version?: string } } };
}

async function specYaml(): Promise<StoredCluster> {
  const r = await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env });
  expect(r.code, r.stderr).toBe(0);
  return parse(r.stdout) as StoredCluster;
}

async function replaceWith(cluster: StoredCluster): Promise<void> {
  const file = join(dir.path, 'cluster.yaml');
  await writeFile(file, stringify(cluster));
  const r = await hoist(['replace', '-f', file], { env });
  expect(r.code, r.stderr).toBe(0);
}

async function revisions(): Promise<{ rev: number; command: string }[]> {
  const r = await hoist(['history', 'cluster', NAME, '-o', 'json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { rev: number; command: string }[];
}

beforeAll(async () => {
  dir = await tempDir();
  state = join(dir.path, 'state');
  env = { HOIST_STATE_STORE: `file://${state}`, HOIST_CLUSTER_NAME: NAME, HOME: dir.path, TMPDIR: dir.path };
  const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com', '--kubernetes-version', '1.33.0'], { env });
  expect(r.code, r.stderr).toBe(0);
  const cluster = await specYaml();
  cluster.spec.containerd = { version: '2.0.5' };
  cluster.spec.networking = { cilium: { version: '1.16.1' } };
  await replaceWith(cluster);
});
afterAll(async () => dir.cleanup());

describe('upgrade cluster', () => {
  it("shows current → recommended for every component, changing nothing without --yes", async () => {
    const before = await treeDigest(state);
    const r = await hoist(['upgrade', 'cluster'], { env });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toContainEqual(['kubernetes', '1.33.0', '1.33.2', 'upgrade', 'spec.kubernetesVersion']);
    expect(rows).toContainEqual(['etcd/main', '3.5.21', '3.5.21', 'up to date']);
    expect(rows).toContainEqual(['etcd/events', '3.5.21', '3.5.21', 'up to date']);
    expect(rows).toContainEqual(['containerd', '2.0.5', '2.1.4', 'upgrade', 'spec.containerd.version']);
    expect(rows).toContainEqual(['cilium', '1.16.1', '1.16.6', 'upgrade', 'spec.networking.cilium.version']);
    expect(r.stdout).toContain(`Must specify --yes to write these into the spec: hoist upgrade cluster ${NAME} --yes`);
    expect(await treeDigest(state)).toBe(before);

    const json = JSON.parse((await hoist(['upgrade', 'cluster', '-o', 'json'], { env })).stdout) as { channel: string; changes: { component: string; action: string }[]; nextMinor: string };
    expect(json.channel).toBe('stable');
    expect(json.changes.map((c) => `${c.component}:${c.action}`)).toEqual(['kubernetes:upgrade', 'etcd/main:current', 'etcd/events:current', 'containerd:upgrade', 'cilium:upgrade']);
    expect(json.nextMinor).toBe('1.34.0');
  });

  it('with --yes writes them as one revision, which rollback undoes', async () => {
    const before = await revisions();
    const r = await hoist(['upgrade', 'cluster', '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    const after = await revisions();
    expect(after).toHaveLength(before.length + 1);
    const rev = after[after.length - 1]!;
    expect(rev.command).toContain('upgrade cluster --yes');
    expect(r.stdout).toContain(`as revision ${rev.rev} (undo it with: hoist rollback cluster ${NAME} --to ${rev.rev - 1})`);
    const spec = (await specYaml()).spec;
    expect([spec.kubernetesVersion, spec.containerd?.version, spec.networking?.cilium?.version]).toEqual(['1.33.2', '2.1.4', '1.16.6']);

    // Nothing left to write: the next minor is offered, and the store is left as it is.
    const digest = await treeDigest(state);
    const again = await hoist(['upgrade', 'cluster', '--yes'], { env });
    expect(again.stdout).toContain(`The next minor: hoist upgrade cluster ${NAME} --to 1.34`);
    expect(await treeDigest(state)).toBe(digest);

    expect((await hoist(['rollback', 'cluster', '--to', String(rev.rev - 1)], { env })).code).toBe(0);
    expect((await specYaml()).spec.kubernetesVersion).toBe('1.33.0');
  });

  it('reads the channel the spec names, and refuses --to past the next minor with the intermediate release', async () => {
    const channel = join(dir.path, 'mine.yaml');
    await writeFile(channel, [
      'apiVersion: hoist.dev/v1alpha1', 'kind: Channel', 'metadata: {name: mine}', 'spec:', '  kubernetesVersions:',
      '    - {minor: "1.33", recommended: 1.33.4, etcd: 3.5.21, containerd: 2.1.4}',
      '    - {minor: "1.34", recommended: 1.34.1, etcd: 3.6.4, containerd: 2.1.4}',
      '    - {minor: "1.35", recommended: 1.35.0, etcd: 3.6.5, containerd: 2.1.4}', '',
    ].join('\n'));
    const cluster = await specYaml();
    cluster.spec.channel = `file://${channel}`;
    await replaceWith(cluster);
    const r = await hoist(['upgrade', 'cluster', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ channel: `file://${channel}`, changes: expect.arrayContaining([expect.objectContaining({ component: 'kubernetes', current: '1.33.0', recommended: '1.33.4' })]) });

    const digest = await treeDigest(state);
    const skip = await hoist(['upgrade', 'cluster', '--to', '1.35', '--yes'], { env });
    expect(skip.code).toBe(1);
    expect(skip.stderr).toContain('spec.kubernetesVersion: "1.35.0" skips a minor: the cluster runs 1.33.0');
    expect(skip.stderr).toContain('set spec.kubernetesVersion to 1.34.0 first');
    const missing = await hoist(['upgrade', 'cluster', '--to', '1.36'], { env });
    expect(missing.stderr).toMatch(/--to: "1.36" channel file:\/\/.* lists no Kubernetes 1.36 \(it lists 1.33, 1.34, 1.35\)/);
    expect(await treeDigest(state)).toBe(digest);
  });
});
