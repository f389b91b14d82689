/**
 * The controller-manager stand-in against the local API server: a worker's TLS bootstrap
 * (bootstrap token → CSR → auto-approved → signed by the cluster CA → the node registers
 * itself with the signed certificate), and a node whose Lease goes stale turning NotReady.
 * Each controller pass is run explicitly, with the controller's clock set, so nothing waits.
 */

import { webcrypto } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificatesV1Api, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager } from '../../cloudup/local/apiserver/controller.js';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { controllerManagerCertRequest, issueCertificate } from '../../src/pki/index.js';
import { pem, privateKeyPem } from '../../src/pki/keys.js';
import { x509 } from '../../src/pki/x509.js';
import { kubectl, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from './support.js';
import type { Etcd, Pki, TestUser } from './support.js';

let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let pki: Pki;
let admin: KubeConfig;
let controller: ControllerManager;
let clock = new Date();

const load = async (file: string, user: TestUser): Promise<KubeConfig> => {
  const kc = new KubeConfig();
  kc.loadFromFile(await writeKubeconfig(dir, file, server?.url ?? '', pki, user));
  return kc;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-apiserver-controller-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  pki = await makePki();
  server = await startServer(etcd, pki);
  admin = await load('admin.conf', pki.admin);
  // The controller-manager's own identity: no group, only what its seeded RBAC role grants.
  const cm = await load('cm.conf', await issueCertificate(pki.ca, controllerManagerCertRequest()));
  controller = new ControllerManager({ kubeconfig: cm, ca: pki.ca, gracePeriodMs: 40_000, now: () => clock });
});

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

async function csrFor(nodeName: string): Promise<{ request: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ O: ['system:nodes'] }, { CN: [`system:node:${nodeName}`] }], keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  return { request: Buffer.from(pem('CERTIFICATE REQUEST', new Uint8Array(csr.rawData))).toString('base64'), key: await privateKeyPem(keys.privateKey) };
}

describe('the controller-manager stand-in', () => {
  it("approves and signs a bootstrapping worker's client CSR; the worker then registers its Node", async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await admin.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: 'kube-system',
      body: { metadata: { name: 'bootstrap-token-w1w1w1' }, type: 'bootstrap.kubernetes.io/token', data: { 'token-id': b64('w1w1w1'), 'token-secret': b64('aaaaaaaaaaaaaaaa'), 'usage-bootstrap-authentication': b64('true') } },
    });
    const boot = (await load('boot.conf', { token: 'w1w1w1.aaaaaaaaaaaaaaaa' })).makeApiClient(CertificatesV1Api);
    const { request, key } = await csrFor('worker-1');
    const created = await boot.createCertificateSigningRequest({ body: { metadata: { generateName: 'node-csr-' }, spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] } } });
    const name = created.metadata?.name ?? '';
    // A request for another signer or another name is left alone.
    const other = await csrFor('worker-2');
    await admin.makeApiClient(CertificatesV1Api).createCertificateSigningRequest({ body: { metadata: { name: 'serving' }, spec: { request: other.request, signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] } } });

    // One pass approves and signs it.
    await controller.reconcile();
    const signed = await boot.readCertificateSigningRequest({ name });
    expect(signed.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`)).toEqual(['Approved=True/AutoApproved']);
    const certificate = Buffer.from(signed.status?.certificate ?? '', 'base64').toString('utf8');
    const cert = new x509.X509Certificate(certificate);
    expect(cert.subject).toBe('O=system:nodes, CN=system:node:worker-1');
    expect(await cert.verify({ publicKey: new x509.X509Certificate(pki.ca.certificate).publicKey, signatureOnly: true })).toBe(true);
    expect((await admin.makeApiClient(CertificatesV1Api).readCertificateSigningRequest({ name: 'serving' })).status?.conditions ?? []).toEqual([]);

    // The signed certificate is the worker's identity from now on.
    const worker = (await load('worker-1.conf', { certificate, privateKey: key })).makeApiClient(CoreV1Api);
    await worker.createNode({ body: { metadata: { name: 'worker-1' } } });
    const refused = await worker.createNode({ body: { metadata: { name: 'worker-2' } } }).then(() => 'created', (e: { code?: number }) => e.code);
    expect(refused).toBe(403);
  });

  it('marks a node NotReady once its Lease is older than the grace period, and kubectl shows it', async () => {
    const nodeConf = await writeKubeconfig(dir, 'n1.conf', server?.url ?? '', pki, await pki.node('n1'));
    const kc = new KubeConfig();
    kc.loadFromFile(nodeConf);
    const start = new Date();
    await kc.makeApiClient(CoreV1Api).createNode({
      body: { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: start, lastTransitionTime: start }], nodeInfo: { kubeletVersion: 'v1.31.2' } as never } },
    });
    await kc.makeApiClient(CoordinationV1Api).createNamespacedLease({ namespace: 'kube-node-lease', body: { metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: start } } });
    const adminConf = await writeKubeconfig(dir, 'admin-k.conf', server?.url ?? '', pki, pki.admin);
    const status = async () => (await kubectl(adminConf, dir, ['get', 'node', 'n1', '--no-headers'])).stdout.split(/\s+/)[1];

    clock = new Date(start.getTime() + 39_000);
    await controller.reconcile();
    expect(await status()).toBe('Ready');
    clock = new Date(start.getTime() + 41_000);
    await controller.reconcile();
    expect(await status()).toBe('NotReady');
    const ready = (await admin.makeApiClient(CoreV1Api).readNode({ name: 'n1' })).status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  });
});
