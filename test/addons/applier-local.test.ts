/**
 * The addon applier as nodeup installs it, on a one-machine cluster of the local cloud: the
 * control plane's hoist-addons.service (the nodeup bundle, run by the machine's supervisor with
 * the admin kubeconfig) picks up a channel written into the state store, applies its addon
 * through the machine's API server and reports it Applied in the store; the real kubectl lists
 * the applied workloads through the load balancer.
 */

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonChannel, AddonStatusReport } from '../../nodeup/addons/channel.js';
import { addonChannelKey, addonManifestKey, addonStatusKey } from '../../nodeup/addons/channel.js';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { kubectl, removeDir } from '../apiserver/support.js';

const NAME = 'applier.k8s.local';
let world: LocalWorld | undefined;
let dir: string;
let kubeconfig: string;

const run = async (...args: string[]) => {
  const r = await hoistProcess(args, { env: world?.env ?? {} });
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const k = (...args: string[]) => kubectl(kubeconfig, dir, ['--tls-server-name', `api.internal.${NAME}`, ...args]);

/** Writes an object into the file state store, as the store's own layout keeps it (one file per key). */
async function put(key: string, text: string): Promise<void> {
  const path = join(world?.stateDir ?? '', key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Resolves with the report once `accept` holds for it: woken by the store's folder changing, bounded. */
async function reportWhen(accept: (r: AddonStatusReport) => boolean, timeoutMs: number): Promise<AddonStatusReport> {
  const path = join(world?.stateDir ?? '', addonStatusKey(NAME));
  await mkdir(dirname(path), { recursive: true });
  const read = async () => {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as AddonStatusReport);
  };
  return new Promise((resolve, reject) => {
    let last: AddonStatusReport | undefined;
    const watcher = watch(dirname(path), () => void check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`no accepted addon report within ${timeoutMs} ms; last: ${JSON.stringify(last)}`));
    }, timeoutMs);
    const check = async () => {
      last = await read();
      if (last !== undefined && accept(last)) {
        clearTimeout(timer);
        watcher.close();
        resolve(last);
      }
    };
    void check();
  });
}

beforeAll(async () => {
  const etcdVersion = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  if (etcdVersion === undefined) throw new Error('no etcd on this machine: apt-get install -y etcd-server');
  dir = await mkdtemp(join(tmpdir(), 'hoist-applier-local-'));
  world = await localWorld();
  await run('create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', '0');
  const spec = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: { etcdClusters: { version?: string }[] } };
  for (const c of spec.spec.etcdClusters) c.version = etcdVersion;
  await writeFile(join(dir, 'cluster.yaml'), stringify(spec));
  await run('replace', '-f', join(dir, 'cluster.yaml'));
  await run('update', 'cluster', NAME, '--yes');
  kubeconfig = join(dir, 'kubeconfig');
  await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
}, 180_000);

afterAll(async () => {
  if (world !== undefined) expect(await world.destroy()).toEqual([]);
  await removeDir(dir);
});

describe('the addon applier on a local cluster', () => {
  it('applies a channel written into the state store and reports it Applied; kubectl lists its workloads', async () => {
    const labels = { app: 'demo-dns' };
    const manifest = stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'demo-dns', namespace: 'kube-system' },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'dns', image: 'registry.k8s.io/coredns/coredns:v1.11.3' }] } } },
    });
    const sha256 = createHash('sha256').update(manifest).digest('hex');
    await put(addonManifestKey(NAME, 'demo-dns', sha256), manifest);
    const channel: AddonChannel = { apiVersion: 'hoist.dev/v1alpha1', kind: 'AddonChannel', cluster: NAME, addons: [{ name: 'demo-dns', version: '1.0.0', sha256, source: 'user', health: [] }] };
    await put(addonChannelKey(NAME), stringify(channel));
    const report = await reportWhen((r) => r.addons.some((a) => a.name === 'demo-dns' && a.phase === 'Applied'), 90_000);
    expect(report.instanceId).toMatch(/^i-/);
    const got = await k('get', 'deploy', '-n', 'kube-system', '-l', 'addons.hoist.dev/name=demo-dns', '-o', 'name');
    expect(got.stdout).toBe('deployment.apps/demo-dns\n');
  }, 120_000);
});
