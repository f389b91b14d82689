/**
 * The service-account keys as a JSON Web Key Set: what the API server serves at
 * /openid/v1/jwks, and what hoist publishes beside the issuer's discovery document for
 * verifiers outside the cluster (AWS STS). Every trusted key of the keyset is in it, primary
 * first, so a rotation's new key is published before it signs and its old one until it is
 * removed or distrusted.
 *
 * Key ids are kube-apiserver's: base64url of the SHA-256 of the key's SubjectPublicKeyInfo (DER),
 * which it puts in the `kid` header of every token it signs; a verifier picks the key by it.
 */

import { createHash, createPublicKey } from 'node:crypto';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { Keyset } from './keyset.js';
import { primaryItem } from './keyset.js';
import { readKeyset } from './store.js';

export const SERVICE_ACCOUNT_KEYSET = 'service-account';

export interface Jwk {
  readonly use: 'sig';
  readonly kty: string;
  readonly kid: string;
  readonly alg: string;
  readonly [member: string]: string;
}

/** The trusted public keys (SPKI PEM) of a service-account keyset, primary first. */
export function trustedPublicKeys(keyset: Keyset): string[] {
  const primary = primaryItem(keyset);
  const items = [primary, ...keyset.spec.items.filter((i) => i !== primary && i.distrustedAt === undefined)];
  return items.flatMap((i) => (i.publicKey === undefined ? [] : [i.publicKey]));
}

/** The public keys of the cluster's service-account keyset, or undefined before its first apply made it. */
export async function readServiceAccountKeys(store: ObjectStore, cluster: string): Promise<string[] | undefined> {
  const keyset = await readKeyset(store, cluster, SERVICE_ACCOUNT_KEYSET, { private: false });
  return keyset === undefined ? undefined : trustedPublicKeys(keyset);
}

/** kube-apiserver's key id of a public key. */
export function keyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export function jwkOf(publicKeyPem: string): Jwk {
  const key = createPublicKey(publicKeyPem);
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  // The algorithm the API server signs with for the key's type (RS256 for RSA, ES256/384/512 by curve).
  const alg = key.asymmetricKeyType === 'ec' ? { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk['crv'] ?? ''] ?? 'ES256' : 'RS256';
  return { ...jwk, use: 'sig', kty: jwk['kty'] ?? '', kid: keyId(publicKeyPem), alg };
}

export function jwksOf(publicKeys: readonly string[]): { readonly keys: readonly Jwk[] } {
  return { keys: publicKeys.map(jwkOf) };
}
