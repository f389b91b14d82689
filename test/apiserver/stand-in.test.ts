/**
 * The bundled stand-ins as the local cloud's kubelet stand-in runs them: the program the mirror
 * puts into the kubernetes-server archive, started with the flags nodeup writes into the
 * static-pod manifests, its paths inside a node's root folder (HOIST_NODE_ROOT), against a
 * real etcd that wants TLS client certificates. Needs `npm run build` (dist/control-plane-stand-in.cjs).
 */

import { execFile, spawn } from 'node:child_process';
import { createDecipheriv, randomBytes, webcrypto } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CertificatesV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneStandIn } from '../../cloudup/local/apiserver/stand-in-program.js';
import { hoistExecutable } from '../../cloudup/local/self.js';
import { buildKubeconfig, controllerManagerCertRequest, createCA, etcdClientCertRequest, etcdServerCertRequest, issueCertificate } from '../../src/pki/index.js';
import { freePort, kubectl, makePki, removeDir, startEtcd, writeKubeconfig } from './support.js';
import type { Etcd, Pki } from './support.js';

let dir: string;
let root: string;
let etcd: Etcd | undefined;
let pki: Pki;
let port: number;
let cmPort: number;
const children: ChildProcess[] = [];
/** The keys of the EncryptionConfiguration the API server stand-in is started with. */
const secretsKey = randomBytes(32);
const configMapsKey = randomBytes(16);
const serviceAccountsKey = randomBytes(32);
const encryptionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aescbc:
          keys:
            - {name: key1, secret: ${secretsKey.toString('base64')}}
      - identity: {}
  - resources: [configmaps]
    providers:
      - aesgcm:
          keys:
            - {name: gcm1, secret: ${configMapsKey.toString('base64')}}
  - resources: [serviceaccounts]
    providers:
      - secretbox:
          keys:
            - {name: box1, secret: ${serviceAccountsKey.toString('base64')}}
`;

const put = async (path: string, text: string): Promise<void> => {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
};

/** Starts a stand-in as a process and resolves once it logs `ready`. */
async function startStandIn(component: string, args: readonly string[], ready: RegExp): Promise<void> {
  const bin = `/usr/local/bin/${component}`;
  await put(bin, controlPlaneStandIn(component, '1.31.2') ?? '');
  await chmod(join(root, bin), 0o755);
  const child = spawn(process.execPath, [join(root, bin), ...args], { env: { ...process.env, HOIST_NODE_ROOT: root, HOIST_INSTANCE_ID: 'i-test' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const seen = (c: Buffer) => {
      log += c.toString('utf8');
      if (ready.test(log)) resolve();
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => reject(new Error(`${component} exited (${String(code)}):\n${log}`)));
    setTimeout(() => reject(new Error(`${component} did not start in 20 s:\n${log}`)), 20_000).unref();
  });
}

beforeAll(async () => {
  if (!existsSync(join(dirname(hoistExecutable()), 'control-plane-stand-in.cjs'))) throw new Error('dist/control-plane-stand-in.cjs is missing: run npm run build');
  dir = await mkdtemp(join(tmpdir(), 'hoist-apiserver-stand-in-'));
  root = join(dir, 'root');
  pki = await makePki();
  const etcdCaItem = await createCA('etcd-clients-ca');
  const etcdCa = { certificate: etcdCaItem.certificate ?? '', privateKey: etcdCaItem.privateKey ?? '' };
  const etcdServer = await issueCertificate(etcdCa, etcdServerCertRequest('main', ['127.0.0.1']));
  const etcdClient = await issueCertificate(etcdCa, etcdClientCertRequest('kube-apiserver'));
  const cm = await issueCertificate(pki.ca, controllerManagerCertRequest());
  const files: Record<string, string> = {
    '/etc/kubernetes/pki/etcd-clients-ca.crt': etcdCa.certificate,
    '/etc/kubernetes/pki/etcd/server.crt': etcdServer.certificate,
    '/etc/kubernetes/pki/etcd/server.key': etcdServer.privateKey,
    '/etc/kubernetes/pki/apiserver-etcd-client.crt': etcdClient.certificate,
    '/etc/kubernetes/pki/apiserver-etcd-client.key': etcdClient.privateKey,
    '/etc/kubernetes/pki/kubernetes-ca.crt': pki.ca.certificate,
    '/etc/kubernetes/pki/apiserver.crt': pki.server.certificate,
    '/etc/kubernetes/pki/apiserver.key': pki.server.privateKey,
    '/etc/kubernetes/pki/signer/kubernetes-ca.crt': pki.ca.certificate,
    '/etc/kubernetes/pki/signer/kubernetes-ca.key': pki.ca.privateKey,
    '/etc/kubernetes/pki/controller-manager.crt': cm.certificate,
    '/etc/kubernetes/pki/controller-manager.key': cm.privateKey,
    '/etc/kubernetes/encryption/encryptionconfig.yaml': encryptionConfig,
  };
  for (const [path, text] of Object.entries(files)) await put(path, text);
  const at = (p: string) => join(root, p);
  etcd = await startEtcd(join(dir, 'etcd'), { caFile: at('/etc/kubernetes/pki/etcd-clients-ca.crt'), certFile: at('/etc/kubernetes/pki/etcd/server.crt'), keyFile: at('/etc/kubernetes/pki/etcd/server.key') });
  [port, cmPort] = [await freePort(), await freePort()];
  // The flags nodeup writes (nodeup/model/control-plane.ts), paths as on the node.
  await startStandIn(
    'kube-apiserver',
    [
      '--advertise-address=127.0.0.1',
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--anonymous-auth=false',
      '--authorization-mode=Node,RBAC',
      '--client-ca-file=/etc/kubernetes/pki/kubernetes-ca.crt',
      `--etcd-servers=${etcd.endpoint}`,
      '--etcd-cafile=/etc/kubernetes/pki/etcd-clients-ca.crt',
      '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
      '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
      '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
      '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
      '--service-cluster-ip-range=100.64.0.0/13',
      '--encryption-provider-config=/etc/kubernetes/encryption/encryptionconfig.yaml',
    ],
    /serving the Kubernetes API/,
  );
  const server = `https://127.0.0.1:${port}`;
  await put('/etc/kubernetes/controller-manager.conf', buildKubeconfig({ name: 'local', server, caCertificate: pki.ca.certificate, user: { name: 'system:kube-controller-manager', certificate: cm.certificate, privateKey: cm.privateKey } }));
  await startStandIn(
    'kube-controller-manager',
    [
      '--bind-address=127.0.0.1',
      `--secure-port=${cmPort}`,
      '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--cluster-signing-cert-file=/etc/kubernetes/pki/signer/kubernetes-ca.crt',
      '--cluster-signing-key-file=/etc/kubernetes/pki/signer/kubernetes-ca.key',
      '--node-monitor-grace-period=40s',
      '--leader-elect=true',
    ],
    /running the csrapproving/,
  );
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
  await etcd?.stop();
  await removeDir(dir);
});

function plainGet(p: number, path: string): Promise<{ status: number; id: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => void (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-hoist-instance-id'] as string | undefined, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the bundled control-plane stand-ins', () => {
  it('kube-apiserver serves the API over TLS from etcd over TLS, and plain health probes on the same port', async () => {
    const admin = await writeKubeconfig(dir, 'admin.conf', `https://127.0.0.1:${port}`, pki, pki.admin);
    expect((await kubectl(admin, dir, ['get', '--raw', '/readyz'])).stdout).toBe('ok');
    expect((await kubectl(admin, dir, ['version', '-o', 'json'])).stdout).toContain('"gitVersion": "v1.31.2"');
    expect((await kubectl(admin, dir, ['get', 'namespaces', '-o', 'name'])).stdout).toBe('namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n');
    expect(await plainGet(port, '/healthz')).toEqual({ status: 200, id: 'i-test', body: 'ok' });
    expect((await plainGet(port, '/api/v1/secrets')).status).toBe(400);
    expect(await plainGet(cmPort, '/healthz')).toEqual({ status: 200, id: 'i-test', body: 'ok' });
  });

  it('kube-apiserver encrypts secrets, configmaps and serviceaccounts at rest in etcd with --encryption-provider-config, in kube-apiserver\'s layout', async () => {
    const admin = await writeKubeconfig(dir, 'admin-enc.conf', `https://127.0.0.1:${port}`, pki, pki.admin);
    await kubectl(admin, dir, ['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-in-clear']);
    await kubectl(admin, dir, ['create', 'configmap', 'settings', '--from-literal=colour=ultramarine-in-clear']);
    expect((await kubectl(admin, dir, ['get', 'secret', 'db', '-o', 'jsonpath={.data.password}'])).stdout).toBe(Buffer.from('hunter2-in-clear').toString('base64'));
    // What etcd holds, read with the real etcdctl beside the API server.
    const at = (p: string) => join(root, p);
    const etcdGet = async (key: string): Promise<Buffer> => {
      const { stdout } = await promisify(execFile)('/usr/bin/etcdctl', [`--endpoints=${etcd?.endpoint ?? ''}`, `--cacert=${at('/etc/kubernetes/pki/etcd-clients-ca.crt')}`, `--cert=${at('/etc/kubernetes/pki/apiserver-etcd-client.crt')}`, `--key=${at('/etc/kubernetes/pki/apiserver-etcd-client.key')}`, 'get', key, '--print-value-only'], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'buffer' });
      return stdout.subarray(0, stdout.length - 1);
    };
    const secret = await etcdGet('/registry/secrets/default/db');
    const cbc = Buffer.from('k8s:enc:aescbc:v1:key1:');
    expect(secret.subarray(0, cbc.length).toString()).toBe(cbc.toString());
    expect(secret.includes('hunter2-in-clear')).toBe(false);
    expect(secret.includes(Buffer.from('hunter2-in-clear').toString('base64'))).toBe(false);
    const iv = secret.subarray(cbc.length, cbc.length + 16);
    const decipher = createDecipheriv('aes-256-cbc', secretsKey, iv);
    const plain = JSON.parse(Buffer.concat([decipher.update(secret.subarray(cbc.length + 16)), decipher.final()]).toString('utf8')) as { data: Record<string, string> };
    expect(plain.data.password).toBe(Buffer.from('hunter2-in-clear').toString('base64'));

    const configMap = await etcdGet('/registry/configmaps/default/settings');
    expect(configMap.subarray(0, 23).toString()).toBe('k8s:enc:aesgcm:v1:gcm1:');
    expect(configMap.includes('ultramarine-in-clear')).toBe(false);
    await kubectl(admin, dir, ['create', 'serviceaccount', 'robot']);
    expect((await kubectl(admin, dir, ['get', 'serviceaccount', 'robot', '-o', 'name'])).stdout).toBe('serviceaccount/robot\n');
    const account = await etcdGet('/registry/serviceaccounts/default/robot');
    const box = Buffer.from('k8s:enc:secretbox:v1:box1:');
    expect(account.subarray(0, box.length).toString()).toBe(box.toString());
    const { secretbox } = await import('@noble/ciphers/salsa.js');
    const opened = secretbox(serviceAccountsKey, account.subarray(box.length, box.length + 24)).open(account.subarray(box.length + 24));
    expect(JSON.parse(Buffer.from(opened).toString('utf8'))).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'robot' } });
    // Resources the configuration does not name stay as they were.
    expect(JSON.parse((await etcdGet('/registry/namespaces/default')).toString('utf8'))).toMatchObject({ kind: 'Namespace' });
  });

  it('kube-controller-manager signs a kubelet serving CSR once an admin approves it', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(await writeKubeconfig(dir, 'admin-2.conf', `https://127.0.0.1:${port}`, pki, pki.admin));
    const certs = kc.makeApiClient(CertificatesV1Api);
    const { x509 } = await import('../../src/pki/x509.js');
    const { pem } = await import('../../src/pki/keys.js');
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'O=system:nodes, CN=system:node:n1', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const request = Buffer.from(pem('CERTIFICATE REQUEST', new Uint8Array(csr.rawData))).toString('base64');
    const created = await certs.createCertificateSigningRequest({ body: { metadata: { name: 'serving-n1' }, spec: { request, signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] } } });
    await certs.replaceCertificateSigningRequestApproval({ name: 'serving-n1', body: { ...created, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'ByTest', message: 'approved' }] } } });
    // The controller works in passes every 5 s: wait for the certificate to appear, no longer than a few passes.
    const deadline = Date.now() + 20_000;
    let certificate = '';
    while (certificate === '' && Date.now() < deadline) {
      certificate = (await certs.readCertificateSigningRequest({ name: 'serving-n1' })).status?.certificate ?? '';
      if (certificate === '') await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(new x509.X509Certificate(Buffer.from(certificate, 'base64').toString('utf8')).subject).toBe('O=system:nodes, CN=system:node:n1');
  });
});
