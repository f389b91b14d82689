/** New keyset items: self-signed CAs and bare signing keys. */

import { generateKeyPair, normalizePem, privateKeyPem, publicKeyPem, randomSerial } from './keys.js';
import type { KeysetItem } from './keyset.js';
import { x509 } from './x509.js';

export const CA_VALIDITY_YEARS = 10;

export interface NewItemOptions {
  readonly now?: Date;
  readonly validityYears?: number;
}

/**
 * A self-signed CA whose subject is `CN=<commonName>`. keyCertSign and cRLSign are what a CA
 * needs; digitalSignature is there because some clients (and kubeadm's CAs) expect it.
 */
export async function createCA(commonName: string, opts: NewItemOptions = {}): Promise<KeysetItem> {
  const now = opts.now ?? new Date();
  const keys = await generateKeyPair();
  const serial = randomSerial(8);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (opts.validityYears ?? CA_VALIDITY_YEARS));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: [{ CN: [commonName] }],
    // Backdated a little: a node whose clock is behind must not see a CA "not yet valid".
    notBefore: backdated(now),
    notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      // Its own key id: after a rotation two CAs share a subject, and verifiers that match
      // issuers by key id rather than by name then still pick the right one.
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    id: serial,
    certificate: normalizePem(cert.toString('pem')),
    privateKey: await privateKeyPem(keys.privateKey),
    createdAt: now.toISOString(),
    notAfter: notAfter.toISOString(),
  };
}

/** A bare key pair, e.g. the one that signs and verifies service-account tokens. */
export async function createKeyItem(opts: NewItemOptions = {}): Promise<KeysetItem> {
  const now = opts.now ?? new Date();
  const keys = await generateKeyPair();
  return {
    id: randomSerial(8),
    privateKey: await privateKeyPem(keys.privateKey),
    publicKey: await publicKeyPem(keys.publicKey),
    createdAt: now.toISOString(),
  };
}

/** How far back notBefore is set, for clock skew between the issuer and its readers. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export function backdated(now: Date): Date {
  return new Date(now.getTime() - CLOCK_SKEW_MS);
}
