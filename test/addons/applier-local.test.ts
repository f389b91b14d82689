/**
 * The addon applier as nodeup installs it, on a one-machine cluster of the local cloud: after
 * `update cluster --yes` publishes the addon channel, the control plane's hoist-addons.service
 * (the nodeup bundle, run by the machine's supervisor with the admin kubeconfig) applies every
 * addon through the machine's API server and reports them Applied in the store, which
 * `hoist get addons` shows; the real kubectl lists CoreDNS and the network plugin through the
 * load balancer.
 */

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonChannel, AddonStatusReport } from '../../nodeup/addons/channel.js';
import { addonChannelKey, addonStatusKey } from '../../nodeup/addons/channel.js';
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
  it('applies the addons update cluster published: get addons shows each Applied, kubectl lists CoreDNS and the network plugin', async () => {
    const channel = parse(await readFile(join(world?.stateDir ?? '', addonChannelKey(NAME)), 'utf8')) as AddonChannel;
    const names = channel.addons.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['core', 'coredns']));
    // The spec's network plugin (the default one), whatever its name.
    const network = names.find((n) => n !== 'core' && n !== 'coredns') ?? '';
    const report = await reportWhen((r) => names.every((n) => r.addons.some((a) => a.name === n && a.phase === 'Applied')), 90_000);
    expect(report.instanceId).toMatch(/^i-/);
    const shown = (JSON.parse((await run('get', 'addons', NAME, '-o', 'json')).stdout) as { items: { name: string; applied?: { phase: string; version: string } }[] }).items;
    for (const a of channel.addons) expect(shown.find((v) => v.name === a.name)?.applied).toMatchObject({ phase: 'Applied', version: a.version });
    const got = await k('get', 'deploy,ds', '-n', 'kube-system', '-o', 'name');
    expect(got.stdout).toContain('deployment.apps/coredns');
    expect((await k('get', 'ds', '-n', 'kube-system', '-l', `addons.hoist.dev/name=${network}`, '-o', 'name')).stdout).toMatch(/^daemonset\.apps\/\S+\n/);
  }, 120_000);
});
