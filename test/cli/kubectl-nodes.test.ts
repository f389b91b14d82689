/**
 * The admin kubeconfig `hoist export kubeconfig --admin` writes works with the real kubectl on a
 * local cluster as it is, with no extra flags: its server is the load balancer's address, which
 * the API server's certificate does not carry, so the kubeconfig names api.internal.<cluster>
 * as `tls-server-name`. So does the one `--auth-plugin` writes, whose user has kubectl run
 * `hoist helpers kubectl-auth` for a short-lived certificate, cached under XDG_CACHE_HOME.
 */

import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, removeDir } from '../apiserver/support.js';
import { HOIST_BIN, hoistProcess } from '../support/cli.js';
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

/** kubectl with `hoist` on its PATH (as a user's shell has it) and the cache in the test's folder. */
function kubectlWithPlugin(config: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, KUBECONFIG: config, HOME: dir, XDG_CACHE_HOME: join(dir, 'cache'), PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` };
  return new Promise((resolve) => {
    execFile('kubectl', ['--cache-dir', join(dir, 'kube-cache'), ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('kubectl with the kubeconfig of export kubeconfig --auth-plugin', () => {
  it('gets nodes with a certificate the plugin issues, and reuses the cached one on the next call', async () => {
    await mkdir(join(dir, 'bin'), { recursive: true });
    await writeFile(join(dir, 'bin', 'hoist'), `#!/bin/sh\nexec "${process.execPath}" "${HOIST_BIN}" "$@"\n`);
    await chmod(join(dir, 'bin', 'hoist'), 0o755);
    const config = join(dir, 'plugin-kubeconfig');
    const exported = await run('export', 'kubeconfig', NAME, '--auth-plugin', '--kubeconfig', config);
    expect(exported.stderr).toContain('hoist helpers kubectl-auth');
    const user = (parse(await readFile(config, 'utf8')) as { users: { name: string; user: Record<string, unknown> }[] }).users.find((u) => u.name === NAME)?.user;
    expect(user).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: 'hoist',
        args: ['helpers', 'kubectl-auth', '--name', NAME, '--state', world?.env['HOIST_STATE_STORE']],
        interactiveMode: 'Never',
        provideClusterInfo: false,
      },
    });

    await waitReady();
    // The control plane's node registers on its own time: ask until it is listed.
    const deadline = Date.now() + 90_000;
    let nodes = await kubectlWithPlugin(config, ['get', 'nodes', '-o', 'name']);
    while (nodes.code === 0 && !/^node\//m.test(nodes.stdout) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      nodes = await kubectlWithPlugin(config, ['get', 'nodes', '-o', 'name']);
    }
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/^node\//m);
    const cacheDir = join(dir, 'cache', 'hoist', 'kubectl-auth');
    const [cached] = await readdir(cacheDir);
    expect(cached).toMatch(new RegExp(`^${NAME.replaceAll('.', '\\.')}-[0-9a-f]{16}\\.json$`));
    expect((await stat(join(cacheDir, cached!))).mode & 0o777).toBe(0o600);
    const first = await readFile(join(cacheDir, cached!), 'utf8');
    const again = await kubectlWithPlugin(config, ['get', 'namespaces', '-o', 'name']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(cacheDir, cached!), 'utf8')).toBe(first);
  }, 120_000);

  it('prints an ExecCredential with an admin certificate that expires within the hour', async () => {
    const r = await hoistProcess(['helpers', 'kubectl-auth', '--name', NAME], { env: { ...world?.env, XDG_CACHE_HOME: join(dir, 'cache-direct') } });
    expect(r.code, r.stderr).toBe(0);
    const credential = JSON.parse(r.stdout) as { apiVersion: string; kind: string; status: { clientCertificateData: string; clientKeyData: string; expirationTimestamp: string } };
    expect(credential.apiVersion).toBe('client.authentication.k8s.io/v1');
    expect(credential.kind).toBe('ExecCredential');
    expect(credential.status.clientCertificateData).toContain('BEGIN CERTIFICATE');
    expect(credential.status.clientKeyData).toContain('PRIVATE KEY');
    const left = Date.parse(credential.status.expirationTimestamp) - Date.now();
    expect(left).toBeGreaterThan(50 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);
  });

  it('refuses --auth-plugin with --admin, and a cluster without a PKI, with the fix', async () => {
    const both = await hoistProcess(['export', 'kubeconfig', NAME, '--auth-plugin', '--admin', '--kubeconfig', join(dir, 'never')], { env: world?.env ?? {} });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--admin');
    expect(both.stderr).toContain('cannot be combined with --auth-plugin');
    const none = await hoistProcess(['helpers', 'kubectl-auth', '--name', 'absent.k8s.local'], { env: { ...world?.env, XDG_CACHE_HOME: join(dir, 'cache-direct') } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('the PKI of cluster absent.k8s.local does not exist');
    expect(none.stderr).not.toMatch(/\n\s+at /);
  });
});
