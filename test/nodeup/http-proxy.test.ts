/**
 * nodeup's own HTTP through the machine's egress proxy: with http_proxy in its environment (what
 * the boot script gives it), its reads of an s3:// state store (moto) and its archive downloads
 * (an HTTP mirror) go through the proxy; what no_proxy names, and everything without a proxy, goes
 * direct; nodeup.yaml's egressProxy, once read, decides for the downloads. nodeup runs as its own
 * process, as on a machine (the proxy is a process's setting). Everything is on 127.0.0.1: the
 * counting proxy forwards only there.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planNodeupConfigs, prepareNodes } from '../../cloudup/nodeup/index.js';
import { ensureLocalMirror } from '../../cloudup/local/stand-ins/index.js';
import { assetSources } from '../../src/assets/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { instanceStatusKey } from '../../nodeup/config/keys.js';
import { openStore } from '../../state-store/open.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { serveFolder } from '../boot/servers.js';
import type { Listening } from '../boot/servers.js';
import { ROOT } from '../support/cli.js';
import { countingProxy } from '../support/counting-proxy.js';
import type { CountingProxy } from '../support/counting-proxy.js';
import { createTestBucket, motoEnv, motoUrl } from '../support/moto.js';
import { CLUSTER, NODES, standardSpec } from './support.js';

const NODEUP = join(ROOT, 'src', 'cli', 'nodeup-main.ts');

let dir: string;
let mirror: Listening;
let proxy: CountingProxy;
const running = new Set<ChildProcess>();

interface World {
  readonly stateStore: string;
  readonly store: ObjectStore;
  readonly bucket: string;
  /** The archives nodeup.yaml names (on the mirror). */
  readonly archives: string[];
  readonly bootFile: string;
}

/** A cluster prepared in a fresh moto bucket as `update cluster --yes` prepares it, its assets on the HTTP mirror. */
async function world(name: string, edit: (spec: CompletedSpec) => CompletedSpec = (s) => s): Promise<World> {
  const plain = standardSpec();
  const spec = edit({ ...plain, cluster: { ...plain.cluster, spec: { ...plain.cluster.spec, assets: { ...plain.cluster.spec.assets, fileRepository: mirror.url } } } });
  const bucket = await createTestBucket('hoist-proxy');
  const stateStore = `s3://${bucket}`;
  const store = await openStore(stateStore, { env: motoEnv() });
  const configs = await planNodeupConfigs(spec, { stateStore, env: {}, events: () => undefined });
  await prepareNodes(store, spec, configs, () => undefined);
  const config = configs.get(NODES)!;
  const bootFile = join(dir, `boot-${name}.yaml`);
  await writeFile(bootFile, `# hoist boot configuration\n${stringify({ stateStore, cluster: CLUSTER, instanceGroup: NODES, configHash: config.hash })}`);
  const archives = (parse(config.yaml) as { assets: { url: string }[] }).assets.map((a) => a.url);
  // The plan read the checksums from the mirror: only nodeup's requests count from here.
  mirror.requests.length = 0;
  return { stateStore, store, bucket, archives, bootFile };
}

/** Runs nodeup for the nodes group under its own root, as its own process with `env` added. */
function nodeup(w: World, name: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const args = ['--import', 'tsx', NODEUP, 'nodeup', '--conf', w.bootFile, '--root', join(dir, `root-${name}`), '--instance-id', `i-${name}`, '--address', '127.110.32.9'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...motoEnv(), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stderr });
    });
  });
}

const proxyEnv = (noProxy: string) => ({ http_proxy: proxy.url, https_proxy: proxy.url, no_proxy: noProxy, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: noProxy });

async function phase(w: World, name: string): Promise<string | undefined> {
  const got = await w.store.get(instanceStatusKey(CLUSTER, NODES, `i-${name}`));
  return got === undefined ? undefined : (JSON.parse(Buffer.from(got.body).toString('utf8')) as { phase: string }).phase;
}

/** The forwarded requests to moto for this world's bucket, and to the mirror. */
function seen(w: World) {
  const store = proxy.forwarded.filter((r) => r.includes(`${motoUrl()}/${w.bucket}/`));
  const archives = proxy.forwarded.filter((r) => r.startsWith(`GET ${mirror.url}/`)).map((r) => r.slice('GET '.length));
  return { store, archives };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-nodeup-proxy-'));
  const files = fileURLToPath(await ensureLocalMirror(join(dir, 'assets'), assetSources(standardSpec())));
  mirror = await serveFolder(files);
  proxy = await countingProxy();
});

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  proxy.forwarded.length = 0;
  mirror.requests.length = 0;
});

afterAll(async () => {
  await proxy?.close();
  await mirror?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('nodeup behind an egress proxy', () => {
  it('reads the s3:// store and downloads the archives through the proxy in its environment', async () => {
    const w = await world('through');
    const run = await nodeup(w, 'through', proxyEnv('corp.example'));
    expect(run.code, run.stderr).toBe(0);
    expect(await phase(w, 'through')).toBe('Ready');
    const { store, archives } = seen(w);
    expect(store).toContain(`GET ${motoUrl()}/${w.bucket}/${CLUSTER}/igconfig/${NODES}/nodeup.yaml?x-id=GetObject`);
    expect(store.some((r) => r.startsWith(`PUT ${motoUrl()}/${w.bucket}/${CLUSTER}/status/instances/${NODES}/i-through.json`))).toBe(true);
    expect(archives.sort()).toEqual([...w.archives].sort());
    // The mirror was reached only through the proxy, and nothing asked for a tunnel.
    expect(mirror.requests).toHaveLength(w.archives.length);
    expect(proxy.forwarded.filter((r) => r.startsWith('CONNECT'))).toEqual([]);
  }, 120_000);

  it('goes direct to what no_proxy names (an exact address, a host and port)', async () => {
    const w = await world('direct');
    const moto = new URL(motoUrl());
    const run = await nodeup(w, 'direct', proxyEnv(`corp.example,127.0.0.1:${moto.port},127.0.0.1:${new URL(mirror.url).port}`));
    expect(run.code, run.stderr).toBe(0);
    expect(await phase(w, 'direct')).toBe('Ready');
    expect(proxy.forwarded).toEqual([]);
    expect(mirror.requests).toHaveLength(w.archives.length);
  }, 120_000);

  it('sends the store through the proxy and the archives direct when only the store is not in no_proxy', async () => {
    const w = await world('split');
    const run = await nodeup(w, 'split', proxyEnv(`127.0.0.1:${new URL(mirror.url).port}`));
    expect(run.code, run.stderr).toBe(0);
    const { store, archives } = seen(w);
    expect(store.length).toBeGreaterThan(0);
    expect(archives).toEqual([]);
  }, 120_000);

  it('downloads by nodeup.yaml\'s egressProxy once read, and reads the store by its environment', async () => {
    // The cluster's proxy (never reached: its completed no_proxy names 127.0.0.1), while the environment's has no no_proxy.
    const w = await world('config', (s) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, egressProxy: { httpProxy: { host: '127.0.0.1', port: Number(new URL(proxy.url).port) }, excludes: '127.0.0.1' } } } }));
    const run = await nodeup(w, 'config', proxyEnv(''));
    expect(run.code, run.stderr).toBe(0);
    const { store, archives } = seen(w);
    expect(store.length).toBeGreaterThan(0);
    expect(archives).toEqual([]);
    expect(mirror.requests).toHaveLength(w.archives.length);
  }, 120_000);

  it('changes nothing without a proxy', async () => {
    const w = await world('none');
    const run = await nodeup(w, 'none', {});
    expect(run.code, run.stderr).toBe(0);
    expect(await phase(w, 'none')).toBe('Ready');
    expect(proxy.forwarded).toEqual([]);
    expect(mirror.requests).toHaveLength(w.archives.length);
  }, 120_000);
});
