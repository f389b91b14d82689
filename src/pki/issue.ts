/** Issuing a leaf certificate (and its new key) from a CA held as PEM. */

import { isIP } from 'node:net';
import { HoistError } from '../errors.js';
import { backdated } from './ca.js';
import { generateKeyPair, loadPrivateKey, normalizePem, privateKeyPem, randomSerial } from './keys.js';
import { x509 } from './x509.js';

export type CertificateUsage = 'server' | 'client' | 'server-client';

export interface CertificateRequest {
  readonly commonName: string;
  /** Kubernetes reads the subject's O values as the user's groups. */
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: CertificateUsage;
  /** Default 365. */
  readonly validityDays?: number;
}

/** The CA that signs, as stored in the primary item of its keyset. */
export interface CertificateAuthority {
  readonly certificate: string;
  readonly privateKey: string;
}

export interface IssuedCertificate {
  readonly certificate: string;
  readonly privateKey: string;
}

export interface IssueOptions {
  readonly now?: Date;
  /** An exact expiry, overriding validityDays (short-lived credentials such as an admin's). */
  readonly notAfter?: Date;
}

export const DEFAULT_VALIDITY_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function issueCertificate(ca: CertificateAuthority, req: CertificateRequest, opts: IssueOptions = {}): Promise<IssuedCertificate> {
  const now = opts.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certificate);
  const signer = await loadPrivateKey(ca.privateKey, 'CA private key');
  const requested = opts.notAfter ?? new Date(now.getTime() + (req.validityDays ?? DEFAULT_VALIDITY_DAYS) * DAY_MS);
  if (requested.getTime() <= now.getTime()) {
    throw new HoistError('INVALID_FLAG', `a certificate for ${req.commonName} would expire at once (${requested.toISOString()})`);
  }
  // Nothing signed by the CA is trusted past the CA's own expiry.
  const notAfter = requested.getTime() > caCert.notAfter.getTime() ? caCert.notAfter : requested;
  const keys = await generateKeyPair();

  const eku = [
    ...(req.usage === 'client' ? [] : [x509.ExtendedKeyUsage.serverAuth]),
    ...(req.usage === 'server' ? [] : [x509.ExtendedKeyUsage.clientAuth]),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // keyEncipherment is RSA key transport, which an ECDSA key cannot do (RFC 5480, section 3).
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(eku),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await authorityKeyId(caCert),
  ];
  const sans = subjectAltNames(req);
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(16),
    subject: subjectName(req),
    // The issuer's name exactly as the CA encodes it: chain building compares the bytes.
    issuer: caCert.subjectName,
    notBefore: backdated(now),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: signer.algorithm.hash } : { name: signer.algorithm.name },
    extensions,
  });
  return { certificate: normalizePem(cert.toString('pem')), privateKey: await privateKeyPem(keys.privateKey) };
}

function subjectName(req: CertificateRequest): x509.JsonName {
  if (req.commonName === '') throw new HoistError('INTERNAL', 'a certificate request needs a common name');
  return [...(req.organizations ?? []).map((o) => ({ O: [o] })), { CN: [req.commonName] }];
}

function subjectAltNames(req: CertificateRequest): x509.JsonGeneralName[] {
  for (const ip of req.ipAddresses ?? []) {
    if (isIP(ip) === 0) throw new HoistError('INVALID_SPEC', `${JSON.stringify(ip)} is not an IP address (in the names of the ${req.commonName} certificate)`);
  }
  const dns = [...new Set(req.dnsNames ?? [])].map((value) => ({ type: 'dns' as const, value }));
  const ips = [...new Set(req.ipAddresses ?? [])].map((value) => ({ type: 'ip' as const, value }));
  return [...dns, ...ips];
}

/** The CA's own key identifier when it has one, so that the pair always matches. */
async function authorityKeyId(caCert: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey);
}
