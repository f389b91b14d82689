/**
 * A worker's kubelet against the local API server (real etcd) and the controller-manager
 * stand-in: the control plane's nodeup applies the bootstrap token's Secret and kubeadm's
 * bindings (server-side apply, read back); the worker's token creates a CSR, which is approved
 * and signed; the kubelet then registers its Node Ready with its version, renews its Lease and
 * posts mirror pods. The token may do nothing but its CSRs.
 */

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificatesV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager } from '../../cloudup/local/apiserver/controller.js';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { NodeAgent } from '../../cloudup/local/kubelet/node-agent.js';
import { requestClientCertificate } from '../../cloudup/local/kubelet/tls-bootstrap.js';
import { bootstrapObjects } from '../../nodeup/model/bootstrap-rbac.js';
import type { NodeContext } from '../../nodeup/context.js';
import { bootstrapToken } from '../../nodeup/pki/credential.js';
import type { NodePki } from '../../nodeup/pki/material.js';
import { KubeApplyKind, applyObject, kubeApplyTask } from '../../nodeup/tasks/kube-apply.js';
import { kubeconfigText } from '../../nodeup/tasks/kubeconfig.js';
import { controllerManagerCertRequest, issueCertificate } from '../../src/pki/index.js';
import { freePort, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from '../apiserver/support.js';
import type { Etcd, Pki, TestUser } from '../apiserver/support.js';

const CLUSTER = 'boot.k8s.local';
let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let pki: Pki;
let admin: KubeConfig;
let stopController: (() => Promise<void>) | undefined;
let ctx: NodeContext;

const load = async (file: string, user: TestUser): Promise<KubeConfig> => {
  const kc = new KubeConfig();
  kc.loadFromFile(await writeKubeconfig(dir, file, server?.url ?? '', pki, user));
  return kc;
};
const codeOf = (p: Promise<unknown>): Promise<number | string> => p.then(() => 'allowed', (e: { code?: number }) => e.code ?? String(e));

/** The control plane's machine: its root folder with the admin client nodeup issues, and the CA key it reads. */
async function controlPlaneContext(root: string): Promise<NodeContext> {
  const adminCert = await issueCertificate(pki.ca, { commonName: 'hoist-nodeup', organizations: ['system:masters'], usage: 'client' });
  await mkdir(join(root, 'etc/kubernetes/pki'), { recursive: true });
  await writeFile(join(root, 'etc/kubernetes/pki/kubernetes-ca.crt'), pki.ca.certificate);
  await writeFile(join(root, 'etc/kubernetes/pki/admin.crt'), adminCert.certificate);
  await writeFile(join(root, 'etc/kubernetes/pki/admin.key'), adminCert.privateKey);
  const conf = { server: server?.url ?? '', cluster: CLUSTER, user: 'hoist-nodeup', certificateAuthority: '/etc/kubernetes/pki/kubernetes-ca.crt', clientCertificate: '/etc/kubernetes/pki/admin.crt', clientKey: '/etc/kubernetes/pki/admin.key' };
  await writeFile(join(root, 'etc/kubernetes/admin.conf'), kubeconfigText(conf));
  const nodePki = {
    keypair: (source: string) => {
      if (source !== 'keyset/kubernetes-ca') throw new Error(`no ${source}`);
      return { certificate: pki.ca.certificate, privateKey: pki.ca.privateKey, fingerprint: 'sha256:ca' };
    },
  } as unknown as NodePki;
  const tasks = bootstrapObjects(bootstrapToken(CLUSTER, pki.ca.privateKey).id).map(([name, manifest]) =>
    kubeApplyTask(name, { kubeconfig: '/etc/kubernetes/admin.conf', fieldManager: 'hoist-nodeup', manifest, ...(manifest.kind === 'Secret' ? { bootstrapTokenOf: CLUSTER } : {}), hash: `sha256:${name}` }),
  );
  return { root, rooted: true, services: { kind: 'supervisor' }, pki: nodePki, wanted: new Map([['KubeApply', tasks]]), events: () => undefined } as unknown as NodeContext;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-kubelet-bootstrap-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  pki = await makePki();
  server = await startServer(etcd, pki);
  admin = await load('admin.conf', pki.admin);
  const cm = await load('cm.conf', await issueCertificate(pki.ca, controllerManagerCertRequest()));
  stopController = new ControllerManager({ kubeconfig: cm, ca: pki.ca, gracePeriodMs: 40_000 }).start(100);
  ctx = await controlPlaneContext(join(dir, 'control-plane'));
});

afterAll(async () => {
  await stopController?.();
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

describe("the control plane's bootstrap objects", () => {
  it("are applied by nodeup's KubeApply tasks with server-side apply, read back, and recorded for the next plan", async () => {
    expect(await KubeApplyKind.discover(ctx)).toEqual([]);
    const tasks = ctx.wanted.get('KubeApply') ?? [];
    for (const task of tasks) await KubeApplyKind.create(ctx, task, task.desired as never);
    const live = await KubeApplyKind.discover(ctx);
    expect(live.map((o) => [o.name, o.fields.hash])).toEqual(tasks.map((t) => [t.name, t.desired.hash]));

    const token = bootstrapToken(CLUSTER, pki.ca.privateKey);
    const secret = await admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'kube-system', name: `bootstrap-token-${token.id}` });
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
    expect(data).toMatchObject({ 'token-id': token.id, 'token-secret': token.secret, 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:hoist:default-node-token' });
    expect(secret.metadata?.managedFields?.map((f) => `${f.manager ?? ''}/${f.operation ?? ''}`)).toEqual(['hoist-nodeup/Apply']);

    const bindings = (await admin.makeApiClient(RbacAuthorizationV1Api).listClusterRoleBinding()).items.filter((b) => b.metadata?.name?.startsWith('kubeadm:'));
    expect(bindings.map((b) => `${b.metadata?.name ?? ''} ${b.roleRef.name} ${b.subjects?.map((s) => `${s.kind}:${s.name}`).join(',') ?? ''}`).sort()).toEqual([
      'kubeadm:kubelet-bootstrap system:node-bootstrapper Group:system:bootstrappers',
      'kubeadm:node-autoapprove-bootstrap system:certificates.k8s.io:certificatesigningrequests:nodeclient Group:system:bootstrappers',
      'kubeadm:node-autoapprove-certificate-rotation system:certificates.k8s.io:certificatesigningrequests:selfnodeclient Group:system:nodes',
    ]);
    // Applying again (a changed record) leaves the same object, still under nodeup's field manager alone.
    const first = tasks[0];
    if (first !== undefined) await KubeApplyKind.update(ctx, first, live[0] as never, first.desired as never, []);
    const again = await admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'kube-system', name: `bootstrap-token-${token.id}` });
    expect(again.data).toEqual(secret.data);
    expect(again.metadata?.managedFields?.map((f) => f.manager)).toEqual(['hoist-nodeup']);
  });

  it('waits for an API server that does not answer, then fails naming the object; a refusal is not retried', async () => {
    const nowhere = new KubeConfig();
    nowhere.loadFromString(kubeconfigText({ server: `https://127.0.0.1:${await freePort()}`, cluster: 'x', user: 'x', certificateAuthority: join(ctx.root, 'etc/kubernetes/pki/kubernetes-ca.crt'), clientCertificate: join(ctx.root, 'etc/kubernetes/pki/admin.crt'), clientKey: join(ctx.root, 'etc/kubernetes/pki/admin.key') }));
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };
    const started = Date.now();
    await expect(applyObject(nowhere, object, 'hoist-nodeup', 1500)).rejects.toThrow(/did not answer within 2 s to apply ConfigMap default\/x/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const boot = await load('refused.conf', { token: bootstrapToken(CLUSTER, pki.ca.privateKey).token });
    await expect(applyObject(boot, object, 'hoist-nodeup', 60_000)).rejects.toThrow(/the API server refused ConfigMap default\/x/);
  });
});

describe("a worker's kubelet", () => {
  it('gets its client certificate through the TLS bootstrap, registers its Node Ready with its version, renews its Lease and posts mirror pods', async () => {
    const boot = await load('bootstrap-kubeconfig', { token: bootstrapToken(CLUSTER, pki.ca.privateKey).token });
    const issued = await requestClientCertificate({ bootstrap: boot, nodeName: 'worker-a', pollMs: 50, timeoutMs: 20_000 });
    const csr = await admin.makeApiClient(CertificatesV1Api).readCertificateSigningRequest({ name: issued.csr });
    expect(csr.spec.username).toMatch(/^system:bootstrap:[a-z0-9]{6}$/);
    expect(csr.spec.groups).toEqual(expect.arrayContaining(['system:bootstrappers', 'system:bootstrappers:hoist:default-node-token']));
    expect(csr.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['Approved=True']);

    let clock = new Date();
    const manifest = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-proxy\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: kube-proxy\n    image: registry.k8s.io/kube-proxy:v1.31.2\n';
    const agent = new NodeAgent({
      kubeconfig: await load('kubelet.conf', { certificate: issued.certificate, privateKey: issued.privateKey }),
      nodeName: 'worker-a',
      address: '127.0.0.9',
      version: '1.31.2',
      labels: { 'node-role.kubernetes.io/node': '' },
      taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      staticPods: () => [{ file: 'kube-proxy.manifest', text: manifest }],
      now: () => clock,
    });
    await agent.register();
    const core = admin.makeApiClient(CoreV1Api);
    const node = await core.readNode({ name: 'worker-a' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(node.status?.nodeInfo?.kubeletVersion).toBe('v1.31.2');
    expect(node.status?.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.9' }, { type: 'Hostname', address: 'worker-a' }]);
    expect(node.metadata?.labels).toMatchObject({ 'kubernetes.io/hostname': 'worker-a', 'node-role.kubernetes.io/node': '' });
    expect(node.spec?.taints).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]);

    const leases = admin.makeApiClient(CoordinationV1Api);
    const first = await leases.readNamespacedLease({ namespace: 'kube-node-lease', name: 'worker-a' });
    expect(first.spec?.holderIdentity).toBe('worker-a');
    clock = new Date(clock.getTime() + 10_000);
    await agent.tick();
    const renewed = await leases.readNamespacedLease({ namespace: 'kube-node-lease', name: 'worker-a' });
    expect(new Date(renewed.spec?.renewTime ?? 0).getTime() - new Date(first.spec?.renewTime ?? 0).getTime()).toBe(10_000);

    const mirror = await core.readNamespacedPod({ namespace: 'kube-system', name: 'kube-proxy-worker-a' });
    expect(mirror.spec?.nodeName).toBe('worker-a');
    expect(mirror.metadata?.annotations?.['kubernetes.io/config.mirror']).toMatch(/^[0-9a-f]{32}$/);
    expect(mirror.status?.phase).toBe('Running');

    // Marked NotReady by the controller (a stale lease), the kubelet posts Ready again on its next tick.
    await core.patchNodeStatus({ name: 'worker-a', body: { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } } }, (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/strategic-merge-patch+json' as never));
    await agent.tick();
    expect((await core.readNode({ name: 'worker-a' })).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('may do nothing with the bootstrap token but its certificate signing requests', async () => {
    const boot = await load('bootstrap-only.conf', { token: bootstrapToken(CLUSTER, pki.ca.privateKey).token });
    const core = boot.makeApiClient(CoreV1Api);
    expect(await codeOf(boot.makeApiClient(CertificatesV1Api).listCertificateSigningRequest())).toBe('allowed');
    expect(await codeOf(core.listNode())).toBe(403);
    expect(await codeOf(core.createNode({ body: { metadata: { name: 'worker-z' } } }))).toBe(403);
    expect(await codeOf(core.readNamespacedSecret({ namespace: 'kube-system', name: `bootstrap-token-${bootstrapToken(CLUSTER, pki.ca.privateKey).id}` }))).toBe(403);
    expect(await codeOf(core.listNamespacedPod({ namespace: 'kube-system' }))).toBe(403);
    expect(await codeOf(boot.makeApiClient(CoordinationV1Api).createNamespacedLease({ namespace: 'kube-node-lease', body: { metadata: { name: 'worker-z' }, spec: {} } }))).toBe(403);
    // A wrong secret for the same id is refused outright.
    const wrong = await load('wrong.conf', { token: `${bootstrapToken(CLUSTER, pki.ca.privateKey).id}.0000000000000000` });
    expect(await codeOf(wrong.makeApiClient(CertificatesV1Api).listCertificateSigningRequest())).toBe(401);
  });
});
