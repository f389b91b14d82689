/**
 * On a local cluster every machine's kubelet stand-in registers its Node: nodeup.yaml and the
 * kubelets' kubeconfigs name the API load balancer's address (nothing on the machine resolves
 * api.<cluster>), and the API server's certificate carries that address. The real kubectl,
 * with the exported admin kubeconfig, sees each machine Ready with its kubelet version and the
 * control plane's mirror pods.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { kubectl, removeDir } from '../apiserver/support.js';

const NAME = 'nodes.k8s.local';
const WORKERS = 2;
let world: LocalWorld | undefined;
let dir: string;
let kubeconfig: string;
let kubernetesVersion: string;

const run = async (...args: string[]) => {
  const r = await hoistProcess(args, { env: world?.env ?? {} });
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const k = (...args: string[]) => kubectl(kubeconfig, dir, args);

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } } }[];
}

/** Polls kubectl get nodes until `done` holds of its list, or throws with the last list at the deadline. */
async function nodesUntil(done: (nodes: NodeList) => boolean, timeoutMs: number): Promise<NodeList> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await k('get', 'nodes', '-o', 'json', '--request-timeout=5s');
    if (r.code === 0) {
      const nodes = JSON.parse(r.stdout) as NodeList;
      if (done(nodes)) return nodes;
      last = r.stdout;
    } else last = r.stderr;
    if (Date.now() > deadline) throw new Error(`the nodes did not register within ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const ready = (n: NodeList['items'][number]): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

beforeAll(async () => {
  const etcdVersion = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  if (etcdVersion === undefined) throw new Error('no etcd on this machine: apt-get install -y etcd-server');
  dir = await mkdtemp(join(tmpdir(), 'hoist-nodes-register-'));
  world = await localWorld();
  await run('create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', String(WORKERS));
  const spec = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: { kubernetesVersion: string; etcdClusters: { version?: string }[] } };
  kubernetesVersion = spec.spec.kubernetesVersion.replace(/^v?/, 'v');
  // The machine runs the real etcd only at the host's version.
  for (const c of spec.spec.etcdClusters) c.version = etcdVersion;
  await writeFile(join(dir, 'cluster.yaml'), stringify(spec));
  await run('replace', '-f', join(dir, 'cluster.yaml'));
  await run('update', 'cluster', NAME, '--yes');
  await run('validate', 'cluster', NAME, '--wait', '90s');
  kubeconfig = join(dir, 'kubeconfig');
  await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
}, 240_000);

afterAll(async () => {
  if (world !== undefined) expect(await world.destroy()).toEqual([]);
  await removeDir(dir);
});

describe('Nodes of a local cluster', () => {
  it('names the API by its load balancer address in every machine configuration', async () => {
    const server = /server: (https:\/\/\S+)/.exec(await readFile(kubeconfig, 'utf8'))?.[1];
    expect(server).toMatch(/^https:\/\/127\.\d+\.\d+\.\d+:\d+$/);
    // Every group's nodeup.yaml in the state store names the URL the exported kubeconfig does.
    const igconfig = join(world?.stateDir ?? '', NAME, 'igconfig');
    const groups = await readdir(igconfig, { recursive: true });
    const configs = groups.filter((f) => f.endsWith('nodeup.yaml'));
    expect(configs.length).toBe(2);
    for (const f of configs) expect((parse(await readFile(join(igconfig, f), 'utf8')) as { apiServer: string }).apiServer).toBe(server);
  });

  it('registers every machine Ready with its kubelet version, and the control plane mirror pods', async () => {
    const machines = 1 + WORKERS;
    const nodes = await nodesUntil((l) => l.items.length === machines && l.items.every(ready), 90_000);
    expect(nodes.items.map((n) => n.status?.nodeInfo?.kubeletVersion)).toEqual(Array.from({ length: machines }, () => kubernetesVersion));
    const pods = await k('get', 'pods', '-n', 'kube-system', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}');
    expect(pods.code, pods.stderr).toBe(0);
    const names = pods.stdout.split('\n').filter((l) => l !== '');
    for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(names.some((p) => p.startsWith(`${component}-`)), `${component} in ${names.join(', ')}`).toBe(true);
    }
  }, 120_000);
});
