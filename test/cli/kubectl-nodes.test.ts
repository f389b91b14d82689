/**
 * The admin kubeconfig `hoist export kubeconfig --admin` writes works with the real kubectl on a
 * local cluster as it is, with no extra flags: its server is the load balancer's address, which
 * the API server's certificate does not carry, so the kubeconfig names api.internal.<cluster>
 * as `tls-server-name`.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, removeDir } from '../apiserver/support.js';
import { hoistProcess } from '../support/cli.js';
import { localWorld } from './local-support.js';
import type { LocalWorld } from './local-support.js';

const NAME = 'kubectl.k8s.local';
let world: LocalWorld | undefined;
let dir: string;
let kubeconfig: string;

const run = async (...args: string[]) => {
  const r = await hoistProcess(args, { env: world?.env ?? {} });
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const k = (...args: string[]) => kubectl(kubeconfig, dir, args);

/** Polls /readyz until the API server answers ok (it starts once etcd serves). */
async function waitReady(timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await k('get', '--raw', '/readyz', '--request-timeout=2s');
    if (r.stdout === 'ok') return;
    last = r.stderr;
    if (Date.now() > deadline) throw new Error(`the API server was not ready within ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  const etcdVersion = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  if (etcdVersion === undefined) throw new Error('no etcd on this machine: apt-get install -y etcd-server');
  dir = await mkdtemp(join(tmpdir(), 'hoist-kubectl-nodes-'));
  world = await localWorld();
  await run('create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', '0');
  // The machine runs the real etcd only at the host's version.
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

describe('kubectl with the exported admin kubeconfig on a local cluster', () => {
  it('checks the server against a name its certificate carries', async () => {
    const config = parse((await k('config', 'view', '--raw', '-o', 'yaml')).stdout) as { clusters: { cluster: { server: string; 'tls-server-name'?: string } }[] };
    const [cluster] = config.clusters;
    expect(cluster?.cluster.server).toMatch(/^https:\/\/127\.\d+\.\d+\.\d+:\d+$/);
    expect(cluster?.cluster['tls-server-name']).toBe(`api.internal.${NAME}`);
  });

  it('reaches the API server through the load balancer with no extra flags', async () => {
    await waitReady();
    const namespaces = await k('get', 'namespaces', '-o', 'name');
    expect(namespaces.stderr).toBe('');
    expect(namespaces.stdout).toContain('namespace/kube-system');
    const nodes = await k('get', 'nodes');
    expect(nodes.code, nodes.stderr).toBe(0);
  }, 120_000);

  it('validate cluster refuses a --kubeconfig without the cluster context, with the fix', async () => {
    const other = join(dir, 'other-kubeconfig');
    await writeFile(other, (await readFile(kubeconfig, 'utf8')).replaceAll(NAME, 'other.k8s.local'));
    const r = await hoistProcess(['validate', 'cluster', NAME, '--kubeconfig', other], { env: world?.env ?? {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--kubeconfig');
    expect(r.stderr).toContain(`has no context ${NAME}`);
    expect(r.stderr).toContain(`hoist export kubeconfig ${NAME} --admin --kubeconfig ${other}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
