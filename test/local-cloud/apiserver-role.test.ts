/**
 * kops's APIServer role on the local cloud: one control plane, one APIServer machine and one
 * worker, on the host's real etcd. The cluster validates with the APIServer group counted; the
 * APIServer machine's own API server (the stand-in, started from the manifest nodeup wrote) serves
 * the real kubectl directly at its address, from the control plane's etcd, and is a healthy
 * target of the API load balancer beside the control plane; it runs no etcd,
 * controller manager or scheduler; and a rolling update of `--instance-group-roles APIServer`
 * replaces that machine only, after which the cluster validates again.
 */

import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import type { LocalWorld } from '../cli/local-support.js';
import { smallCluster } from './small-cluster.js';
import type { SmallCluster } from './small-cluster.js';

const NAME = 'apiserver.k8s.local';
const GROUP = 'apiserver-local-a';
const APISERVER_GROUP = `apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata:
  name: ${GROUP}
  labels: {hoist.dev/cluster: ${NAME}}
spec:
  role: APIServer
  subnets: [local-a]
`;

interface Instance {
  readonly id: string;
  readonly instanceGroup: string;
  readonly role: string;
  readonly address?: string;
  readonly phase?: string;
}

let cluster: SmallCluster | undefined;
let world: LocalWorld | undefined;

const c = (): SmallCluster => {
  if (cluster === undefined) throw new Error('the cluster did not come up');
  return cluster;
};

async function hoist(...args: string[]): Promise<string> {
  const r = await c().hoist(...args);
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function instances(): Promise<Instance[]> {
  const out = JSON.parse(await hoist('get', 'instances', '--name', NAME, '-o', 'json')) as { items?: Instance[] } | Instance[];
  return Array.isArray(out) ? out : (out.items ?? []);
}

beforeAll(async () => {
  cluster = await smallCluster(NAME, (w) => (world = w), [APISERVER_GROUP]);
}, 240_000);

afterAll(async () => {
  const left = cluster !== undefined ? await cluster.destroy() : await world?.destroy();
  expect(left ?? []).toEqual([]);
}, 60_000);

describe('an APIServer group on the local cloud', () => {
  it('validates with the APIServer machine counted, as a Node labelled and tainted api-server', async () => {
    const report = JSON.parse(await hoist('validate', 'cluster', NAME, '-o', 'json', '--kubeconfig', c().kubeconfig)) as { failures?: unknown[]; instanceGroups?: { name: string; role: string }[] } & Record<string, unknown>;
    expect(report.failures ?? []).toEqual([]);
    expect(JSON.stringify(report)).toContain(GROUP);
    const machine = (await instances()).find((i) => i.instanceGroup === GROUP);
    expect(machine?.role).toBe('apiserver');
    const node = JSON.parse((await c().kubectl(['get', 'node', machine!.id, '-o', 'json'])).stdout) as { metadata: { labels: Record<string, string> }; spec: { taints?: { key: string; effect: string }[] } };
    expect(node.metadata.labels).toHaveProperty('node-role.kubernetes.io/api-server', '');
    expect(node.spec.taints).toContainEqual(expect.objectContaining({ key: 'node-role.kubernetes.io/api-server', effect: 'NoSchedule' }));
  });

  it('serves kubectl from its own API server, on the control plane\'s etcd, and runs no etcd, controller manager or scheduler', async () => {
    const all = await instances();
    const machine = all.find((i) => i.instanceGroup === GROUP)!;
    const plane = all.find((i) => i.role === 'control-plane')!;
    expect(machine.address).toBeDefined();
    expect(machine.address).not.toBe(plane.address);
    // The serving certificate names the machine's address, so kubectl checks it against the cluster CA.
    const direct = await c().kubectl(['--server', `https://${machine.address}:6443`, 'get', 'nodes', '-o', 'name']);
    expect(direct.stderr).toBe('');
    expect(direct.stdout.trim().split('\n').sort()).toEqual(all.map((i) => `node/${i.id}`).sort());
    // What one API server writes the other reads: both store in the control plane's etcd.
    await c().kubectl(['--server', `https://${machine.address}:6443`, 'create', 'configmap', 'written-through-apiserver', '--from-literal=k=v']);
    const back = await c().kubectl(['--server', `https://${plane.address}:6443`, 'get', 'configmap', 'written-through-apiserver', '-o', 'jsonpath={.data.k}']);
    expect(back.stdout).toBe('v');

    // Behind the API load balancer: it is one of the targets the balancer sends connections to.
    const client = await connectLocalCloud({ env: { ...process.env, ...world!.env }, autoStart: false });
    const targets = async () => (await client.list('loadBalancers')).find((l) => l.listeners.some((x) => x.port === 6443))?.healthyTargets ?? [];
    for (const deadline = Date.now() + 15_000; !(await targets()).includes(machine.id) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    expect(await targets()).toEqual(expect.arrayContaining([machine.id, plane.id]));

    const root = join(world!.cloudDir, 'instances', machine.id);
    const manifest = await readFile(join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8');
    expect(manifest).toContain(`--etcd-servers=https://${plane.address}:2379`);
    const mirrors = JSON.parse((await c().kubectl(['get', 'pods', '-n', 'kube-system', '-o', 'json', '--field-selector', `spec.nodeName=${machine.id}`])).stdout) as { items: { metadata: { name: string } }[] };
    const components = mirrors.items.map((p) => p.metadata.name.replace(`-${machine.id}`, ''));
    expect(components).toContain('kube-apiserver');
    for (const absent of ['kube-controller-manager', 'kube-scheduler']) expect(components).not.toContain(absent);
    // Static pods are the API server and kube-proxy; etcd's archive is not even installed.
    expect((await readdir(join(root, 'etc/kubernetes/manifests'))).sort()).toEqual(['kube-apiserver.yaml', 'kube-proxy.yaml']);
    expect(existsSync(join(root, 'usr/local/bin/etcd'))).toBe(false);
    expect(existsSync(join(root, 'usr/local/bin/kube-apiserver'))).toBe(true);
  });

  it('rolling-update --instance-group-roles APIServer replaces the APIServer machine only, and the cluster validates', async () => {
    const before = await instances();
    const old = before.find((i) => i.instanceGroup === GROUP)!;
    const out = await hoist('rolling-update', 'cluster', NAME, '--instance-group-roles', 'APIServer', '--force', '--yes', '--kubeconfig', c().kubeconfig);
    expect(out).toContain('1 instance(s) replaced');
    const after = await instances();
    const fresh = after.find((i) => i.instanceGroup === GROUP)!;
    expect(fresh.id).not.toBe(old.id);
    expect(after.filter((i) => i.instanceGroup !== GROUP).map((i) => i.id).sort()).toEqual(before.filter((i) => i.instanceGroup !== GROUP).map((i) => i.id).sort());
    await hoist('validate', 'cluster', NAME, '--wait', '120s', '--kubeconfig', c().kubeconfig);
    const direct = await c().kubectl(['--server', `https://${fresh.address}:6443`, 'get', 'configmap', 'written-through-apiserver', '-o', 'jsonpath={.data.k}']);
    expect(direct.stdout).toBe('v');
  }, 240_000);
});
