/**
 * validate cluster's checks through the Kubernetes API, against the local API server on a real
 * etcd, with the kubelet stand-in's own code (NodeAgent) registering the machines' Nodes and the
 * control plane's mirror pods, and the controller-manager stand-in marking a Node NotReady when
 * its Lease goes stale: a healthy cluster passes; a worker whose kubelet stops fails within
 * 60 s, named with NotReady; a machine without a Node is named too.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { ControllerManager } from '../../cloudup/local/apiserver/controller.js';
import { NodeAgent } from '../../cloudup/local/kubelet/node-agent.js';
import { loadClusterKubeconfig } from '../../cloudup/rolling/kubeconfig-load.js';
import { kubernetesFailures } from '../../cloudup/rolling/validate-api.js';
import { validateCluster } from '../../cloudup/rolling/validate.js';
import type { ValidationFailure } from '../../cloudup/rolling/validate.js';
import type { RollingCloud, RollingInstance } from '../../cloudup/rolling/types.js';
import { buildKubeconfig, controllerManagerCertRequest, issueCertificate } from '../../src/pki/index.js';
import { makePki, removeDir, startEtcd, startServer } from '../apiserver/support.js';
import type { Etcd, Pki } from '../apiserver/support.js';

const CLUSTER = 'validate.k8s.local';
const GRACE_MS = 3_000;
const MACHINES = [
  { id: 'i-control', group: 'control-plane-local-a' },
  { id: 'i-worker', group: 'nodes-local-a' },
];
let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let pki: Pki;
let admin: KubeConfig;
const stops: (() => Promise<void>)[] = [];

/** Writes a kubeconfig whose cluster and context are named `name`, and returns its path. */
async function kubeconfigFile(file: string, name: string, user: { certificate: string; privateKey: string }): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, buildKubeconfig({ name, server: server?.url ?? '', caCertificate: pki.ca.certificate, user: { name, ...user } }));
  return path;
}

function agent(name: string, kubeconfig: KubeConfig, staticPods: string[]): NodeAgent {
  const pods = staticPods.map((component) => ({
    file: `${component}.yaml`,
    text: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${component}\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: ${component}\n    image: registry.k8s.io/${component}:v1.35.0\n`,
  }));
  return new NodeAgent({ kubeconfig, nodeName: name, address: '127.0.0.1', version: '1.35.0', staticPods: () => pods, leaseRenewMs: 500 });
}

async function loadUser(file: string, user: { certificate: string; privateKey: string }): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromFile(await kubeconfigFile(file, 'test', user));
  return kc;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-validate-api-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  pki = await makePki();
  server = await startServer(etcd, pki);
  // Found as kubectl finds it: a $KUBECONFIG list whose later file has the cluster's context.
  const other = await kubeconfigFile('other.conf', 'other.k8s.local', pki.admin);
  const mine = await kubeconfigFile('admin.conf', CLUSTER, pki.admin);
  const found = loadClusterKubeconfig({ env: { KUBECONFIG: [join(dir, 'missing.conf'), other, mine].join(delimiter) }, cwd: dir }, CLUSTER);
  if (found === undefined) throw new Error(`no context ${CLUSTER} found in the KUBECONFIG list`);
  admin = found;
  const cm = await loadUser('cm.conf', await issueCertificate(pki.ca, controllerManagerCertRequest()));
  stops.push(new ControllerManager({ kubeconfig: cm, ca: pki.ca, gracePeriodMs: GRACE_MS }).start(200));
}, 60_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

/** Polls the checks until `done` holds or 60 s have passed; returns the last failures. */
async function until(done: (f: ValidationFailure[]) => boolean): Promise<ValidationFailure[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const failures = await kubernetesFailures(admin, MACHINES);
    if (done(failures) || Date.now() > deadline) return failures;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('validate cluster through the Kubernetes API', () => {
  it('names a machine that has no registered Node', async () => {
    const failures = await kubernetesFailures(admin, MACHINES);
    expect(failures).toEqual([
      { kind: 'node', name: 'i-control', message: 'machine i-control of group control-plane-local-a has no registered Node' },
      { kind: 'node', name: 'i-worker', message: 'machine i-worker of group nodes-local-a has no registered Node' },
    ]);
  });

  it('passes on a healthy cluster, and names the worker NotReady within 60 s of its kubelet stopping', async () => {
    const control = agent('i-control', await loadUser('control.conf', await pki.node('i-control')), ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    stops.push(control.start());
    const stopWorker = agent('i-worker', await loadUser('worker.conf', await pki.node('i-worker')), ['kube-proxy']).start();
    let workerStopped = false;
    stops.push(async () => {
      if (!workerStopped) await stopWorker();
    });
    // The checks cover the mirror pods once both kubelets have posted them (right after registering).
    const core = admin.makeApiClient(CoreV1Api);
    const mirrors = ['kube-apiserver-i-control', 'kube-controller-manager-i-control', 'kube-proxy-i-worker', 'kube-scheduler-i-control'];
    const deadline = Date.now() + 30_000;
    let names: string[] = [];
    while (names.length < mirrors.length && Date.now() < deadline) {
      names = (await core.listNamespacedPod({ namespace: 'kube-system' })).items.map((p) => p.metadata?.name ?? '').sort();
      if (names.length < mirrors.length) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(names).toEqual(mirrors);
    expect(await until((f) => f.length === 0)).toEqual([]);

    workerStopped = true;
    const stoppedAt = Date.now();
    await stopWorker();
    const failures = await until((f) => f.some((x) => x.kind === 'node'));
    expect(Date.now() - stoppedAt).toBeLessThan(60_000);
    expect(failures[0]).toMatchObject({ kind: 'node', name: 'i-worker' });
    expect(failures[0]?.message).toMatch(/^of group nodes-local-a is NotReady \(condition Ready is Unknown; /);
    // The controller also marks the NotReady node's pods not ready, as the real one does: only the worker's may follow.
    expect(failures.slice(1).every((x) => x.kind === 'pod' && x.name === 'kube-system/kube-proxy-i-worker')).toBe(true);
  }, 90_000);

  it('asks no Node of a bastion, which runs no kubelet', async () => {
    const machine = (id: string, group: string): RollingInstance => ({ id, group, state: 'running', ready: true, cloudReady: true, needsUpdate: false, detached: false, drained: false });
    const cloud = {
      groups: async () => [
        { name: 'bastions', role: 'Bastion', minSize: 1, maxSize: 1, desired: 1, instances: [machine('i-bastion', 'bastions')] },
        { name: 'nodes-local-a', role: 'Node', minSize: 1, maxSize: 1, desired: 1, instances: [machine('i-never-joined', 'nodes-local-a')] },
      ],
      apiProblem: async () => undefined,
    } as unknown as RollingCloud;
    const { failures } = await validateCluster(cloud, undefined, admin);
    expect(failures.filter((f) => f.kind === 'node').map((f) => f.name)).toEqual(['i-never-joined']);
  });

  it('says when the API does not answer', async () => {
    const path = join(dir, 'closed.conf');
    await writeFile(path, buildKubeconfig({ name: CLUSTER, server: 'https://127.0.0.1:1', caCertificate: pki.ca.certificate, user: { name: CLUSTER, ...pki.admin } }));
    const kc = loadClusterKubeconfig({ flag: path, env: {}, cwd: dir }, CLUSTER);
    if (kc === undefined) throw new Error(`no context ${CLUSTER} in ${path}`);
    const failures = await kubernetesFailures(kc, MACHINES);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ kind: 'api', name: 'https://127.0.0.1:1' });
    expect(failures[0]?.message).toMatch(/^the Kubernetes API did not answer: .*ECONNREFUSED/);
  });
});
