import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import {
  adminCertRequest,
  apiServerCertRequest,
  controllerManagerCertRequest,
  createCA,
  createKeyItem,
  etcdClientCertRequest,
  etcdPeerCertRequest,
  firstServiceIP,
  issueCertificate,
  kubeletCertRequest,
  kubeProxyCertRequest,
  schedulerCertRequest,
} from '../../src/pki/index.js';
import type { CertificateAuthority, KeysetItem } from '../../src/pki/index.js';
import { cluster, groups } from '../api/fixtures.js';
import { certText, extensionOf, openssl, sansOf, verify } from './support.js';

let dir: string;
let caItem: KeysetItem;
let ca: CertificateAuthority;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoist-pki-'));
  caItem = await createCA('kubernetes-ca');
  ca = { certificate: caItem.certificate!, privateKey: caItem.privateKey! };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CA', () => {
  it('is self-signed, CA:TRUE critical, signs certificates and CRLs, and lasts 10 years', () => {
    const text = certText(ca.certificate);
    expect(text).toMatch(/Issuer: CN ?= ?kubernetes-ca/);
    expect(text).toMatch(/Subject: CN ?= ?kubernetes-ca/);
    expect(extensionOf(text, 'X509v3 Basic Constraints')).toBe('CA:TRUE (critical)');
    expect(extensionOf(text, 'X509v3 Key Usage')).toBe('Digital Signature, Certificate Sign, CRL Sign (critical)');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(verify(dir, ca.certificate, ca.certificate, 'self')).toMatch(/: OK$/);
    const years = (Date.parse(caItem.notAfter!) - Date.parse(caItem.createdAt)) / (365.25 * 86_400_000);
    expect(years).toBeCloseTo(10, 1);
    // The item's id is the certificate's serial.
    expect(openssl(['x509', '-noout', '-serial'], ca.certificate).trim().toLowerCase()).toBe(`serial=${caItem.id}`);
  });

  it('a bare key item has a public and a private key that belong together, and no certificate', async () => {
    const item = await createKeyItem();
    expect(item.certificate).toBeUndefined();
    expect(openssl(['pkey', '-pubout'], item.privateKey!)).toBe(item.publicKey);
  });
});

describe('issueCertificate', () => {
  it('issues the API server certificate with every name clients dial, for server auth only', async () => {
    const spec = completeSpec(cluster({ serviceClusterIPRange: '100.64.0.0/13' }), groups());
    const req = apiServerCertRequest(spec, { addresses: ['203.0.113.10', '10.0.1.5', 'lb.example.com'] });
    const issued = await issueCertificate(ca, req);
    expect(verify(dir, ca.certificate, issued.certificate, 'apiserver')).toMatch(/: OK$/);
    const text = certText(issued.certificate);
    expect(sansOf(text)).toEqual([
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'DNS:api.demo.example.com',
      'DNS:api.internal.demo.example.com',
      'DNS:lb.example.com',
      'IP Address:100.64.0.1',
      'IP Address:127.0.0.1',
      'IP Address:203.0.113.10',
      'IP Address:10.0.1.5',
    ]);
    expect(extensionOf(text, 'X509v3 Extended Key Usage')).toBe('TLS Web Server Authentication');
    expect(extensionOf(text, 'X509v3 Key Usage')).toBe('Digital Signature (critical)');
    expect(extensionOf(text, 'X509v3 Basic Constraints')).toBe('CA:FALSE (critical)');
    // openssl's own purpose check agrees with the extensions.
    expect(openssl(['verify', '-CAfile', join(dir, 'apiserver-ca.pem'), '-purpose', 'sslserver', join(dir, 'apiserver.pem')])).toMatch(/OK/);
  });

  it('links the certificate to its CA by key identifiers, with a 128-bit random serial', async () => {
    const a = await issueCertificate(ca, kubeProxyCertRequest());
    const b = await issueCertificate(ca, kubeProxyCertRequest());
    const caSki = extensionOf(certText(ca.certificate), 'X509v3 Subject Key Identifier');
    const text = certText(a.certificate);
    expect(extensionOf(text, 'X509v3 Authority Key Identifier')?.replace(/^keyid:/, '')).toBe(caSki);
    expect(extensionOf(text, 'X509v3 Subject Key Identifier')).not.toBe(caSki);
    const serial = (pem: string) => openssl(['x509', '-noout', '-serial'], pem).trim();
    expect(serial(a.certificate)).not.toBe(serial(b.certificate));
    expect(serial(a.certificate)).toMatch(/^serial=[0-9A-F]{32}$/);
    // The key returned is the certificate's.
    expect(openssl(['pkey', '-pubout'], a.privateKey)).toBe(openssl(['x509', '-noout', '-pubkey'], a.certificate));
  });

  const clients = [
    ['kubelet', kubeletCertRequest('node-1.internal'), 'O ?= ?system:nodes, CN ?= ?system:node:node-1.internal'],
    ['kube-proxy', kubeProxyCertRequest(), 'CN ?= ?system:kube-proxy'],
    ['admin', adminCertRequest('alice'), 'O ?= ?system:masters, CN ?= ?alice'],
    ['controller-manager', controllerManagerCertRequest(), 'CN ?= ?system:kube-controller-manager'],
    ['scheduler', schedulerCertRequest(), 'CN ?= ?system:kube-scheduler'],
    ['etcd client', etcdClientCertRequest('kube-apiserver'), 'CN ?= ?kube-apiserver'],
  ] as const;
  it.each(clients)('issues the %s client certificate with its subject and client auth only', async (name, req, subject) => {
    const issued = await issueCertificate(ca, req);
    expect(verify(dir, ca.certificate, issued.certificate, name.replace(/ /g, '-'))).toMatch(/: OK$/);
    const text = certText(issued.certificate);
    expect(text).toMatch(new RegExp(`Subject: ${subject}\\n`));
    expect(extensionOf(text, 'X509v3 Extended Key Usage')).toBe('TLS Web Client Authentication');
    expect(text).not.toContain('Subject Alternative Name');
  });

  it('issues an etcd peer certificate for server and client auth with the member addresses', async () => {
    const etcdCa = await createCA('etcd-peers-ca');
    const signer = { certificate: etcdCa.certificate!, privateKey: etcdCa.privateKey! };
    const issued = await issueCertificate(signer, etcdPeerCertRequest('etcd-a', ['10.0.1.5', 'etcd-a.internal.demo.example.com']));
    expect(verify(dir, signer.certificate, issued.certificate, 'etcd-peer')).toMatch(/: OK$/);
    // A certificate of one CA does not verify against another.
    expect(() => verify(dir, ca.certificate, issued.certificate, 'etcd-wrong')).toThrow(/unable to get local issuer certificate/);
    const text = certText(issued.certificate);
    expect(sansOf(text)).toEqual(['DNS:etcd-a.internal.demo.example.com', 'IP Address:10.0.1.5']);
    expect(extensionOf(text, 'X509v3 Extended Key Usage')).toBe('TLS Web Server Authentication, TLS Web Client Authentication');
  });

  it('expires after validityDays, or at an exact time, never after its CA', async () => {
    const now = new Date();
    const end = (pem: string) => Date.parse(openssl(['x509', '-noout', '-enddate'], pem).trim().replace('notAfter=', ''));
    const day = await issueCertificate(ca, { ...kubeProxyCertRequest(), validityDays: 1 }, { now });
    expect(Math.abs(end(day.certificate) - (now.getTime() + 86_400_000))).toBeLessThan(2_000);
    const exact = new Date(now.getTime() + 90 * 60_000);
    const short = await issueCertificate(ca, kubeProxyCertRequest(), { now, notAfter: exact });
    expect(Math.abs(end(short.certificate) - exact.getTime())).toBeLessThan(2_000);
    const long = await issueCertificate(ca, { ...kubeProxyCertRequest(), validityDays: 365 * 20 }, { now });
    expect(end(long.certificate)).toBe(end(ca.certificate));
    await expect(issueCertificate(ca, kubeProxyCertRequest(), { now, notAfter: now })).rejects.toThrow(/would expire at once/);
  });

  it('signs with an RSA CA brought from elsewhere', async () => {
    const key = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    const keyFile = join(dir, 'rsa-ca.key');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(keyFile, key);
    const cert = openssl(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=kubernetes-ca', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const issued = await issueCertificate({ certificate: cert, privateKey: key }, adminCertRequest('bob'));
    expect(verify(dir, cert, issued.certificate, 'rsa')).toMatch(/: OK$/);
    expect(certText(issued.certificate)).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('refuses a bad IP address and names the first service IP of a range', async () => {
    await expect(issueCertificate(ca, { commonName: 'x', ipAddresses: ['10.0.0.300'], usage: 'server' })).rejects.toThrow(/"10.0.0.300" is not an IP address/);
    expect(firstServiceIP('100.64.0.0/13')).toBe('100.64.0.1');
    expect(firstServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(firstServiceIP('fd00:10:96::/112')).toBe('fd00:10:96::1');
    expect(firstServiceIP('nonsense')).toBeUndefined();
  });
});
