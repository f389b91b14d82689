/**
 * Signing a CertificateSigningRequest's PKCS#10 request with the cluster CA, as
 * kube-controller-manager's csrsigning controller does for the kubelet signers: the subject
 * and public key come from the request (its signature is checked first), the key usages from
 * the CSR's `usages`, the names of a serving certificate from the request's SAN extension,
 * and the lifetime from `expirationSeconds` (one year otherwise), never past the CA's own.
 */

import { backdated } from '../../../src/pki/ca.js';
import type { CertificateAuthority } from '../../../src/pki/issue.js';
import { loadPrivateKey, normalizePem, randomSerial } from '../../../src/pki/keys.js';
import { x509 } from '../../../src/pki/x509.js';

export interface ParsedRequest {
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly request: x509.Pkcs10CertificateRequest;
}

const YEAR_S = 365 * 24 * 60 * 60;

/** The request of a CSR (`spec.request`: base64 of PEM), or why it is unusable. */
export async function parseRequest(base64: string): Promise<ParsedRequest | string> {
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(Buffer.from(base64, 'base64').toString('utf8'));
  } catch (e) {
    return `spec.request is not a PEM certificate request: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!(await request.verify())) return 'the signature of spec.request does not verify';
  return { commonName: request.subjectName.getField('CN')[0] ?? '', organizations: request.subjectName.getField('O'), request };
}

export async function signRequest(ca: CertificateAuthority, parsed: ParsedRequest, usages: readonly string[], expirationSeconds: number | undefined, now = new Date()): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certificate);
  const signer = await loadPrivateKey(ca.privateKey, 'cluster signing key');
  const lifetime = Math.min(expirationSeconds ?? YEAR_S, YEAR_S) * 1000;
  const notAfter = new Date(Math.min(now.getTime() + lifetime, caCert.notAfter.getTime()));
  const eku = [...(usages.includes('server auth') ? [x509.ExtendedKeyUsage.serverAuth] : []), ...(usages.includes('client auth') ? [x509.ExtendedKeyUsage.clientAuth] : [])];
  const flags = (usages.includes('digital signature') ? x509.KeyUsageFlags.digitalSignature : 0) | (usages.includes('key encipherment') ? x509.KeyUsageFlags.keyEncipherment : 0);
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(flags, true),
    new x509.ExtendedKeyUsageExtension(eku),
    ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  const san = parsed.request.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
  if (san !== undefined && usages.includes('server auth')) extensions.push(san);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(16),
    subject: parsed.request.subjectName,
    issuer: caCert.subjectName,
    notBefore: backdated(now),
    notAfter,
    publicKey: parsed.request.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: signer.algorithm.hash } : { name: signer.algorithm.name },
    extensions,
  });
  return normalizePem(cert.toString('pem'));
}
