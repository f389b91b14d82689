/**
 * `hoist get assets` through the real executable, in processes that may not reach anything but
 * loopback (no-network.mjs): the default AWS and GCE clusters list every file and image with
 * its hash offline, and the default AWS cluster plans offline (on moto); `--copy` fills a mirror from another one, a second run copies nothing, and
 * a cluster pointed at that mirror plans from it (on moto).
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Cluster } from '../../src/api/index.js';
import type { AssetSource } from '../../src/assets/catalog.js';
import type { FileEntry, ImageEntry } from '../../src/assets/inventory.js';
import { KNOWN_FILES } from '../../src/assets/known.js';
import { NODE_RUNTIME } from '../../src/assets/node-runtime.js';
import { ensureStandInMirror } from '../../cloudup/local/stand-ins/index.js';
import { HOIST_BIN, hoistProcess, tempDir } from '../support/cli.js';
import { testAccount } from '../aws/support.js';

const AWS = 'assets.example.com';
const GCE = 'assets-gce.example.com';
const PRELOAD = fileURLToPath(new URL('./no-network.mjs', import.meta.url));

let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let netLog: string;
let bucket: string;
let srcUrl: string;

const run = (args: string[], stdin?: string) => hoistProcess(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const networkUse = async () => (await readFile(netLog, 'utf8').catch(() => '')).trim();
const list = async (cluster: string) => {
  const got = await run(['get', 'assets', cluster, '-o', 'json']);
  expect(got.code, got.stderr).toBe(0);
  return JSON.parse(got.stdout) as { kind: string; cluster: string; files: FileEntry[]; images: ImageEntry[] };
};

beforeAll(async () => {
  dir = await tempDir('hoist-assets-');
  netLog = join(dir.path, 'network.log');
  const account = await testAccount();
  bucket = account.bucket;
  env = { ...account.env, HOIST_STATE_STORE: pathToFileURL(join(dir.path, 'state')).href, HOIST_CLUSTER_NAME: '', NODE_OPTIONS: `--import=${PRELOAD}`, HOIST_TEST_NETWORK_LOG: netLog };
  for (const args of [
    ['create', 'cluster', AWS, '--cloud', 'aws', '--zones', 'us-east-1a'],
    ['create', 'cluster', GCE, '--cloud', 'gce', '--zones', 'us-central1-a', '--project', 'hoist-test'],
  ]) {
    const created = await run(args);
    expect(created.code, created.stderr).toBe(0);
  }
  // The source of the copies: another mirror holding stand-in archives (with their .sha256),
  // and a Node.js tarball that is not the official one, which must be refused.
  const src = join(dir.path, 'source-mirror');
  const files = (await list(AWS)).files.filter((f) => f.path !== undefined && f.name !== 'nodejs');
  const sources = files.map((f): AssetSource => ({ name: f.name as AssetSource['name'], version: f.version, path: f.path!, upstream: f.source, upstreamChecksum: f.checksum!, roles: f.roles }));
  srcUrl = await ensureStandInMirror(src, sources);
  await mkdir(join(src, 'nodejs', `v${NODE_RUNTIME.version}`), { recursive: true });
  await writeFile(join(src, NODE_RUNTIME.path), 'not the Node.js release');
});
afterAll(async () => {
  await dir?.cleanup();
});

describe('hoist get assets', () => {
  it('lists every file and image of a default AWS and GCE cluster with its hash, without the network', async () => {
    const bundle = createHash('sha256').update(await readFile(join(HOIST_BIN, '..', 'nodeup.mjs'))).digest('hex');
    for (const cluster of [AWS, GCE]) {
      const assets = await list(cluster);
      expect(assets.files.map((f) => `${f.name} ${f.version}`)).toEqual([`nodejs ${NODE_RUNTIME.version}`, 'nodeup 0.1.0', 'kubernetes-node 1.35.0', 'kubernetes-server 1.35.0', 'etcd 3.6.5', 'containerd 2.1.4']);
      const byName = new Map(assets.files.map((f) => [f.name, f]));
      expect(byName.get('nodejs')).toMatchObject({ sha256: NODE_RUNTIME.sha256, pin: 'known', source: NODE_RUNTIME.upstream });
      expect(byName.get('nodeup')).toMatchObject({ sha256: bundle, pin: 'build', source: `${env.HOIST_STATE_STORE}/${cluster}/nodeup/${bundle}/nodeup.mjs` });
      expect(byName.get('etcd')).toMatchObject({ sha256: '66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3', pin: 'known' });
      expect(byName.get('containerd')).toMatchObject({ sha256: '316d510a0428276d931023f72c09fdff1a6ba81d6cc36f31805fea6a3c88f515', pin: 'known' });
      // Kubernetes publishes its tarballs' sha256 only on dl.k8s.io: the sha512 of its changelog pins them.
      for (const name of ['kubernetes-node', 'kubernetes-server']) {
        expect(byName.get(name), name).toMatchObject({ pin: 'known', sha512: KNOWN_FILES[`${name}@1.35.0`]?.sha512 });
        expect(byName.get(name)?.sha512, name).toMatch(/^[0-9a-f]{128}$/);
        expect(byName.get(name)?.sha256, name).toBeUndefined();
      }
      expect(assets.files.filter((f) => f.pin !== 'known' && f.pin !== 'build')).toEqual([]);
      expect(assets.images.map((i) => `${i.source}@${i.digest ?? 'unknown'}`)).toEqual([
        'registry.k8s.io/kube-apiserver:v1.35.0@sha256:32f98b308862e1cf98c900927d84630fb86a836a480f02752a779eb85c1489f3',
        'registry.k8s.io/kube-controller-manager:v1.35.0@sha256:3e343fd915d2e214b9a68c045b94017832927edb89aafa471324f8d05a191111',
        'registry.k8s.io/kube-scheduler:v1.35.0@sha256:0ab622491a82532e01876d55e365c08c5bac01bcd5444a8ed58c1127ab47819f',
        'registry.k8s.io/etcd:3.6.5-0@sha256:042ef9c02799eb9303abf1aa99b09f09d94b8ee3ba0c2dd3f42dc4e1d3dce534',
        'registry.k8s.io/kube-proxy:v1.35.0@sha256:c818ca1eff765e35348b77e484da915175cdf483f298e1f9885ed706fcbcb34c',
        'registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a',
      ]);
    }
    const table = await run(['get', 'assets', '--name', AWS]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^KIND +NAME +VERSION +HASH +SOURCE +MIRROR$/);
    expect(table.stdout).toContain(`sha512:${KNOWN_FILES['kubernetes-server@1.35.0']?.sha512}`);
    expect(table.stdout).not.toContain('read at plan time');
    expect(await networkUse()).toBe('');
  });

  it('plans the default AWS cluster without the network: every node asset pinned from the table', async () => {
    const plan = await run(['update', 'cluster', AWS, '-v']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('pinned 4 node assets from their upstream locations');
    expect(await networkUse()).toBe('');
  });

  it('copies the files into a file:// mirror that a cluster then plans from', async () => {
    const src = fileURLToPath(srcUrl);
    const files = (await list(AWS)).files.filter((f) => f.path !== undefined && f.name !== 'nodejs');
    const to = pathToFileURL(join(dir.path, 'mirror')).href;

    const first = await run(['get', 'assets', AWS, '--copy', '--to', to, '--from', srcUrl]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(`Copied 4 files to ${to}, skipped 0 already there, 1 failed.`);
    expect(first.stdout).toContain('crane copy registry.k8s.io/kube-apiserver:v1.35.0@sha256:32f98b308862e1cf98c900927d84630fb86a836a480f02752a779eb85c1489f3 <your-registry>/kube-apiserver:v1.35.0');
    expect(first.stderr).toContain(`[1/5] ${NODE_RUNTIME.path}: sha256 mismatch for ${srcUrl}/${NODE_RUNTIME.path}: pinned ${NODE_RUNTIME.sha256}`);
    expect(first.stderr).toMatch(/\[5\/5\] containerd\/v2\.1\.4\/containerd-2\.1\.4-linux-amd64\.tar\.gz: copied \(\d+\.\d MiB\), sha256 [0-9a-f]{64}/);
    expect(first.stderr).toContain(`error: 1 of 5 files were not copied to ${to}: ${NODE_RUNTIME.path}`);
    for (const f of files) {
      expect(await readFile(join(dir.path, 'mirror', f.path!))).toEqual(await readFile(join(src, f.path!)));
      expect(await readFile(join(dir.path, 'mirror', `${f.path!}.sha256`), 'utf8')).toBe(await readFile(join(src, `${f.path!}.sha256`), 'utf8'));
    }

    const second = await run(['get', 'assets', AWS, '--copy', '--to', to, '--from', srcUrl]);
    expect(second.stdout).toContain(`Copied 0 files to ${to}, skipped 4 already there, 1 failed.`);
    // Only the refused Node.js tarball is fetched again.
    expect(second.stderr.match(/: downloading /g)).toEqual([': downloading ']);
    expect(second.stderr).toContain(`[1/5] ${NODE_RUNTIME.path}: downloading`);

    // The cluster pointed at the mirror plans from it: every pin read there, nothing else reached.
    const got = await run(['get', 'cluster', AWS, '-o', 'yaml']);
    const spec = parse(got.stdout) as Cluster;
    const replaced = await run(['replace', '-f', '-'], stringify({ ...spec, spec: { ...spec.spec, assets: { fileRepository: to } } }));
    expect(replaced.code, replaced.stderr).toBe(0);
    const plan = await run(['update', 'cluster', AWS, '-v']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`pinned 4 node assets from ${to}`);
    expect((await list(AWS)).files.find((f) => f.name === 'etcd')?.mirror).toBe(`${to}/etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz`);
    expect(await networkUse()).toBe('');
  });

  it('copies into an s3:// mirror (moto) the same way, and a second run copies nothing', async () => {
    const to = `s3://${bucket}/mirror`;
    const first = await run(['get', 'assets', AWS, '--copy', '--to', to, '--from', srcUrl]);
    expect(first.stdout).toContain(`Copied 4 files to ${to}, skipped 0 already there, 1 failed.`);
    const second = await run(['get', 'assets', AWS, '--copy', '--to', to, '--from', srcUrl]);
    expect(second.stdout).toContain(`Copied 0 files to ${to}, skipped 4 already there, 1 failed.`);
    expect(second.stderr).toContain('[4/5] etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz: already in the mirror with sha256');
    expect(await networkUse()).toBe('');
  });

  it('refuses --copy without --to, and a --to that is not a mirror location', async () => {
    const none = await run(['get', 'assets', AWS, '--copy']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--to: is required with --copy (name the mirror: --to file:///srv/mirror or --to s3://bucket/prefix)');
    const bad = await run(['get', 'assets', AWS, '--copy', '--to', 'https://mirror.example/']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--to: "https://mirror.example/" is not a mirror location (use file:///absolute/folder or s3://bucket[/prefix])');
  });
});
