/**
 * The kubelet stand-in program as the local mirror packs it (its API client from
 * dist/kubelet-stand-in.cjs), run as a process under a worker's root folder with the files
 * nodeup writes on a worker: its config, and a bootstrap kubeconfig holding the cluster's
 * bootstrap token. Against the local API server (real etcd) and the controller-manager
 * stand-in, it bootstraps, writes its kubeconfig and certificate, registers its Node Ready and
 * posts the mirror pod of its static pod. Stopped by PID, also on failure.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager } from '../../cloudup/local/apiserver/controller.js';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { kubeletClientSource } from '../../cloudup/local/kubelet/stand-in-program.js';
import { standInProgram } from '../../cloudup/local/stand-ins/programs.js';
import { bootstrapObjects } from '../../nodeup/model/bootstrap-rbac.js';
import { bootstrapToken } from '../../nodeup/pki/credential.js';
import { applyObject } from '../../nodeup/tasks/kube-apply.js';
import { bootstrapKubeconfigText } from '../../nodeup/tasks/bootstrap-kubeconfig.js';
import { controllerManagerCertRequest, issueCertificate } from '../../src/pki/index.js';
import { makePki, removeDir, startEtcd, startServer, writeKubeconfig } from '../apiserver/support.js';
import type { Etcd, Pki } from '../apiserver/support.js';

const CLUSTER = 'standin.k8s.local';
let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let pki: Pki;
let admin: KubeConfig;
let stopController: (() => Promise<void>) | undefined;
let kubelet: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-kubelet-stand-in-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  pki = await makePki();
  server = await startServer(etcd, pki);
  admin = new KubeConfig();
  admin.loadFromFile(await writeKubeconfig(dir, 'admin.conf', server.url, pki, pki.admin));
  const cm = new KubeConfig();
  cm.loadFromFile(await writeKubeconfig(dir, 'cm.conf', server.url, pki, await issueCertificate(pki.ca, controllerManagerCertRequest())));
  stopController = new ControllerManager({ kubeconfig: cm, ca: pki.ca, gracePeriodMs: 40_000 }).start(200);
  const token = bootstrapToken(CLUSTER, pki.ca.privateKey);
  for (const [, manifest] of bootstrapObjects(token.id)) {
    const object = structuredClone(manifest) as unknown as { kind: string; data?: Record<string, string> };
    if (object.kind === 'Secret') object.data = { ...object.data, 'token-id': Buffer.from(token.id).toString('base64'), 'token-secret': Buffer.from(token.secret).toString('base64') };
    await applyObject(admin, object, 'hoist-nodeup', 10_000);
  }
});

afterAll(async () => {
  if (kubelet !== undefined && kubelet.exitCode === null && kubelet.signalCode === null) {
    const exited = new Promise((resolve) => kubelet?.once('exit', resolve));
    kubelet.kill('SIGTERM');
    await exited;
  }
  await stopController?.();
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

/** Resolves with the node once a watch sees it Ready. */
async function nodeReady(name: string, timeoutMs: number): Promise<V1Node> {
  let abort: AbortController | undefined;
  try {
    return await new Promise<V1Node>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${name} was not Ready within ${timeoutMs} ms`)), timeoutMs);
      void new Watch(admin)
        .watch('/api/v1/nodes', { fieldSelector: `metadata.name=${name}` }, (_type: string, node: V1Node) => {
          if (node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
            clearTimeout(timer);
            resolve(node);
          }
        }, (e: unknown) => {
          if (e !== null && e !== undefined) reject(e instanceof Error ? e : new Error(String(e)));
        })
        .then((c) => (abort = c), reject);
    });
  } finally {
    abort?.abort();
  }
}

describe('the kubelet stand-in', () => {
  it('bootstraps with the token nodeup wrote, registers its Node Ready and posts its mirror pod', async () => {
    expect(kubeletClientSource()).toBeDefined(); // npm run build made dist/kubelet-stand-in.cjs
    const root = join(dir, 'worker');
    await mkdir(join(root, 'var/lib/kubelet'), { recursive: true });
    await mkdir(join(root, 'etc/kubernetes/pki'), { recursive: true });
    await mkdir(join(root, 'etc/kubernetes/manifests'), { recursive: true });
    await writeFile(join(root, 'etc/kubernetes/pki/kubernetes-ca.crt'), pki.ca.certificate);
    const fields = { server: server?.url ?? '', cluster: CLUSTER, user: 'kubelet-bootstrap', certificateAuthority: '/etc/kubernetes/pki/kubernetes-ca.crt', tokenOf: 'credential/kubelet-bootstrap', fingerprint: '' };
    await writeFile(join(root, 'var/lib/kubelet/bootstrap-kubeconfig'), bootstrapKubeconfigText(fields, bootstrapToken(CLUSTER, pki.ca.privateKey).token));
    await writeFile(join(root, 'var/lib/kubelet/config.yaml'), 'healthzBindAddress: 127.0.0.1\nhealthzPort: 0\nstaticPodPath: /etc/kubernetes/manifests\nregisterWithTaints:\n  - key: dedicated\n    value: batch\n    effect: NoSchedule\n');
    // A pod with no command: the stand-in runs nothing for it, and still mirrors it.
    await writeFile(join(root, 'etc/kubernetes/manifests/probe.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\n  namespace: kube-system\nspec:\n  containers:\n  - name: probe\n    image: registry.k8s.io/pause:3.10\n');
    await writeFile(join(root, 'kubelet.js'), standInProgram('kubelet', '1.31.2'));
    const args = ['--config=/var/lib/kubelet/config.yaml', '--kubeconfig=/var/lib/kubelet/kubeconfig', '--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig', '--node-ip=127.0.0.1', '--hostname-override=worker-s', '--node-labels=node-role.kubernetes.io/node=,pool=batch'];
    let output = '';
    kubelet = spawn(process.execPath, [join(root, 'kubelet.js'), ...args], { env: { ...process.env, HOIST_NODE_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    kubelet.stdout?.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    kubelet.stderr?.on('data', (c: Buffer) => void (output += c.toString('utf8')));

    const node = await nodeReady('worker-s', 30_000).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${output}`);
    });
    expect(node.status?.nodeInfo?.kubeletVersion).toBe('v1.31.2');
    expect(node.metadata?.labels).toMatchObject({ 'node-role.kubernetes.io/node': '', pool: 'batch' });
    expect(node.spec?.taints).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]);
    expect(output).toMatch(/TLS bootstrap done: node-csr-\S+ signed/);
    // It wrote its kubeconfig and certificate as the real kubelet does.
    expect(await readFile(join(root, 'var/lib/kubelet/kubeconfig'), 'utf8')).toContain('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(await readFile(join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE[\s\S]*BEGIN PRIVATE KEY/);
    // The mirror pod follows its registration: created, then its status posted (two calls, so a
    // read between them sees it Pending). Looked at again every 100 ms until it runs.
    const core = admin.makeApiClient(CoreV1Api);
    const deadline = Date.now() + 15_000;
    const read = () => core.readNamespacedPod({ namespace: 'kube-system', name: 'probe-worker-s' }).catch(() => undefined);
    let mirror = await read();
    while (mirror?.status?.phase !== 'Running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      mirror = await read();
    }
    expect(mirror?.spec?.nodeName).toBe('worker-s');
    expect(mirror?.status?.phase).toBe('Running');
  });
});
