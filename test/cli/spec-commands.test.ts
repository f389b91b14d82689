import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hoist, tempDir, treeDigest } from '../support/cli.js';
import { withDnsZone } from '../support/kops-zone.js';

let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const NAME = 'demo.example.com';

beforeEach(async () => {
  dir = await tempDir();
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '' };
});
afterEach(async () => dir.cleanup());

async function createDemo(): Promise<void> {
  const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b', '--node-count', '3'], { env });
  expect(r.stderr).toContain(`Cluster ${NAME} was created`);
  expect(r.code).toBe(0);
}

describe('create cluster and get', () => {
  it('prints a spec that replace -f accepts unchanged, and lists the instance groups', async () => {
    await createDemo();
    const got = await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env });
    expect(got.code).toBe(0);
    const cluster = parse(got.stdout);
    expect(cluster).toMatchObject({ apiVersion: 'hoist.dev/v1alpha1', kind: 'Cluster', metadata: { name: NAME }, spec: { cloudProvider: 'aws' } });
    const file = join(dir.path, 'cluster.yaml');
    await writeFile(file, got.stdout);
    const before = await treeDigest(join(dir.path, 'state'));
    const replaced = await hoist(['replace', '-f', file], { env });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toBe(`cluster/${NAME} unchanged\n`);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);

    const igs = await hoist(['get', 'instancegroups', '--name', NAME], { env });
    expect(igs.code).toBe(0);
    const rows = igs.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'ZONES']);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['control-plane-us-east-1a', 'ControlPlane'],
      ['nodes-us-east-1a', 'Node'],
      ['nodes-us-east-1b', 'Node'],
    ]);
    // The node count is spread over the zones.
    expect(rows.slice(2).reduce((n, r) => n + Number(r[3]), 0)).toBe(3);
  });

  it('prints json and yaml lists, and the completed spec with --full', async () => {
    await createDemo();
    const json = JSON.parse((await hoist(['get', 'ig', '--name', NAME, '-o', 'json'], { env })).stdout);
    expect(json.kind).toBe('List');
    expect(json.items).toHaveLength(3);
    const stored = json.items[1].spec;
    const full = JSON.parse((await hoist(['get', 'ig', 'nodes-us-east-1a', '--name', NAME, '-o', 'json', '--full'], { env })).stdout);
    expect(full.spec.machineType).toBe('t3.medium');
    expect(full.spec).toMatchObject(stored);
    expect(Object.keys(full.spec).length).toBeGreaterThan(Object.keys(stored).length);
    const clusters = await hoist(['get', 'clusters', '-o', 'yaml'], { env });
    expect(parse(clusters.stdout).metadata.name).toBe(NAME);
  });

  it('--dry-run prints the spec and stores nothing', async () => {
    const r = await hoist(['create', 'cluster', 'dry.k8s.local', '--dry-run', '-o', 'yaml'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=/);
    expect(r.stdout.match(/^kind: /gm)).toHaveLength(3);
    const list = await hoist(['get', 'clusters'], { env });
    expect(list.stderr).toContain('No clusters found');
  });

  it('refuses to create a cluster twice and names the way forward', async () => {
    await createDemo();
    const again = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`cluster ${NAME} already exists`);
    expect(again.stderr).toContain('hint: change it with: hoist edit cluster');
  });
});

describe('create -f, apply -f, replace -f', () => {
  it('creates from a file, applies a change, and replaces with --force', async () => {
    await createDemo();
    const spec = (await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout;
    const igs = (await hoist(['get', 'ig', '--name', NAME, '-o', 'yaml'], { env })).stdout;
    const other = spec.replaceAll(NAME, 'other.example.com');
    const otherIgs = igs.replaceAll(NAME, 'other.example.com');
    const file = join(dir.path, 'other.yaml');
    await writeFile(file, `${other}---\n${otherIgs}`);
    const created = await hoist(['create', '-f', file], { env });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('cluster/other.example.com created');
    expect(created.stdout).toContain('instancegroup/nodes-us-east-1a created');

    await writeFile(file, otherIgs.replace('maxSize: 2', 'maxSize: 5'));
    const applied = await hoist(['apply', '-f', file], { env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('instancegroup/nodes-us-east-1a configured');
    expect(applied.stdout).toContain('instancegroup/nodes-us-east-1b unchanged');

    const extra = otherIgs.split('---\n').find((d) => d.includes('nodes-us-east-1b'))!.replaceAll('nodes-us-east-1b', 'spot-b');
    await writeFile(file, extra);
    expect((await hoist(['replace', '-f', file], { env })).code).toBe(1);
    const forced = await hoist(['replace', '-f', file, '--force'], { env });
    expect(forced.stdout).toContain('instancegroup/spot-b created');
    const names = JSON.parse((await hoist(['get', 'ig', '--name', 'other.example.com', '-o', 'json'], { env })).stdout).items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(names).toEqual(['control-plane-us-east-1a', 'nodes-us-east-1a', 'nodes-us-east-1b', 'spot-b']);
  });

  it('reads standard input with -f -', async () => {
    const yaml = (await hoist(['create', 'cluster', 'stdin.k8s.local', '--dry-run'], { env })).stdout;
    const r = await hoist(['create', '-f', '-'], { env, stdin: yaml });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cluster/stdin.k8s.local created');
  });

  it('imports kops specs and lists what it could not carry', async () => {
    const file = join(import.meta.dirname, '../fixtures/kops-specs/complex.yaml');
    const r = await hoist(['create', '-f', '-'], { env, stdin: withDnsZone(await readFile(file, 'utf8')) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cluster/complex.example.com created');
    expect(r.stderr).toMatch(/converted kops\.k8s\.io\/v1alpha2 Cluster complex\.example\.com; \d+ field\(s\) could not be carried over/);
    expect(r.stderr).toContain('spec.authentication');
  });
});

describe('instance groups', () => {
  it('creates and deletes an instance group', async () => {
    await createDemo();
    const created = await hoist(['create', 'ig', 'spot', '--name', NAME, '--min-size', '0', '--max-size', '4'], { env });
    expect(created.code, created.stderr).toBe(0);
    const ig = parse((await hoist(['get', 'ig', 'spot', '--name', NAME, '-o', 'yaml'], { env })).stdout);
    expect(ig.spec).toMatchObject({ role: 'Node', minSize: 0, maxSize: 4, subnets: ['us-east-1a', 'us-east-1b'] });
    expect(ig.metadata.labels['hoist.dev/cluster']).toBe(NAME);

    const dry = await hoist(['delete', 'ig', 'spot', '--name', NAME], { env });
    expect(dry.stdout).toContain('--yes');
    const del = await hoist(['delete', 'ig', 'spot', '--name', NAME, '--yes'], { env });
    expect(del.code).toBe(0);
    expect((await hoist(['get', 'ig', 'spot', '--name', NAME], { env })).code).toBe(1);
  });

  it('refuses to delete the instance group that holds etcd', async () => {
    await createDemo();
    const r = await hoist(['delete', 'ig', 'control-plane-us-east-1a', '--name', NAME, '--yes'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('etcdClusters');
  });
});

describe('delete cluster --unregister', () => {
  it('removes every object of the cluster and nothing else', async () => {
    await createDemo();
    await hoist(['create', 'cluster', 'keep.k8s.local'], { env });
    const r = await hoist(['delete', 'cluster', NAME, '--unregister', '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    const list = await hoist(['get', 'clusters', '-o', 'json'], { env });
    expect(JSON.parse(list.stdout).metadata.name).toBe('keep.k8s.local');
    await expect(readFile(join(dir.path, 'state', NAME, 'config'))).rejects.toThrow();
  });

  it('without --yes only says what it would remove', async () => {
    await createDemo();
    const before = await treeDigest(join(dir.path, 'state'));
    const r = await hoist(['delete', 'cluster', NAME, '--unregister'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/The state of cluster demo\.example\.com \(\d+ objects in file:\/\/.+\) would be removed; no cloud resource is touched/);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
  });
});
