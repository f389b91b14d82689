/**
 * The local API server on a cluster of the local cloud: the control-plane machine's kubelet
 * stand-in runs it from nodeup's static-pod manifest, against the machine's real etcd (the
 * host's etcd version, pinned in the spec). The real kubectl reaches it through the cluster's
 * load balancer with the exported admin kubeconfig, and every object is still there after the
 * control plane is restarted (the local cloud stopped and started again).
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { kubectl, removeDir } from './support.js';

const NAME = 'apiserver.k8s.local';
let world: LocalWorld | undefined;
let dir: string;
let kubeconfig: string;

const run = async (...args: string[]) => {
  const r = await hoistProcess(args, { env: world?.env ?? {} });
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
// The exported kubeconfig names the load balancer's address; the certificate names api.internal.<cluster>.
const k = (...args: string[]) => kubectl(kubeconfig, dir, ['--tls-server-name', `api.internal.${NAME}`, ...args]);

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
  dir = await mkdtemp(join(tmpdir(), 'hoist-apiserver-cluster-'));
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
  await waitReady();
}, 180_000);

afterAll(async () => {
  if (world !== undefined) expect(await world.destroy()).toEqual([]);
  await removeDir(dir);
});

describe('the local API server on a local cluster', () => {
  it('serves kubectl from the real etcd and keeps its objects across a restart of the control plane', async () => {
    expect((await readFile(kubeconfig, 'utf8')).includes('server: https://')).toBe(true);
    // The machine is ready: nodeup's health checks, the load balancer's probe among them, pass.
    await run('validate', 'cluster', NAME, '--wait', '60s');
    expect((await k('version', '-o', 'json')).stdout).toContain('"gitVersion"');
    expect((await k('create', 'configmap', 'kept', '--from-literal=a=1')).stdout).toBe('configmap/kept created\n');
    const before = (await k('get', 'configmap', 'kept', '-o', 'jsonpath={.metadata.uid}')).stdout;
    expect(before).toMatch(/^[0-9a-f-]{36}$/);

    await run('local-cloud', 'stop');
    await run('local-cloud', 'start');
    await waitReady();
    expect((await k('get', 'configmap', 'kept', '-o', 'jsonpath={.metadata.uid} {.data.a}')).stdout).toBe(`${before} 1`);
    expect((await k('get', 'namespaces', '-o', 'name')).stdout).toContain('namespace/kube-node-lease');
  });
});
