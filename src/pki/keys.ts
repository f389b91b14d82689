/**
 * Key pairs and their PEM forms. New keys are ECDSA P-256: fast to make (a cluster's first apply
 * creates several) and accepted by every Kubernetes component. Keys read back may also be RSA,
 * so that a CA brought over from another tool keeps working.
 */

import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { HoistError } from '../errors.js';
import type { CryptoKey, CryptoKeyPair } from './x509.js';

const { subtle } = webcrypto;

/** The algorithm a key signs with, as WebCrypto names it (also what x509 signs certificates with). */
export type SigningAlgorithm =
  | { readonly name: 'ECDSA'; readonly namedCurve: 'P-256' | 'P-384' | 'P-521'; readonly hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: 'SHA-256' };

export const DEFAULT_KEY_ALGORITHM: SigningAlgorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A private key as a CryptoKey, with the algorithm it signs with. */
export interface LoadedKey {
  readonly privateKey: CryptoKey;
  readonly algorithm: SigningAlgorithm;
}

export async function generateKeyPair(algorithm: SigningAlgorithm = DEFAULT_KEY_ALGORITHM): Promise<CryptoKeyPair> {
  const params =
    algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', namedCurve: algorithm.namedCurve }
      : { name: algorithm.name, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: algorithm.hash };
  return (await subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 (`BEGIN PRIVATE KEY`): what client-go, etcd and kubectl all read. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', new Uint8Array(await subtle.exportKey('pkcs8', key)));
}

/** SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`): what the API server's service-account flags read. */
export async function publicKeyPem(key: CryptoKey): Promise<string> {
  return pem('PUBLIC KEY', new Uint8Array(await subtle.exportKey('spki', key)));
}

const CURVES: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};
const CURVE_HASH = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' } as const;

/**
 * Loads a PEM private key in any of the usual encodings (PKCS#8, SEC1 `EC PRIVATE KEY`, PKCS#1
 * `RSA PRIVATE KEY`) by letting node:crypto parse it and re-exporting it as PKCS#8 for WebCrypto.
 */
export async function loadPrivateKey(text: string, what = 'private key'): Promise<LoadedKey> {
  let pkcs8: Buffer;
  let algorithm: SigningAlgorithm;
  try {
    const key = createPrivateKey(text);
    pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
    if (key.asymmetricKeyType === 'ec') {
      const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (curve === undefined) throw new Error(`unsupported curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`);
      algorithm = { name: 'ECDSA', namedCurve: curve, hash: CURVE_HASH[curve] };
    } else if (key.asymmetricKeyType === 'rsa') {
      algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    } else {
      throw new Error(`unsupported key type ${key.asymmetricKeyType ?? '?'}`);
    }
  } catch (e) {
    throw new HoistError('STORE', `the ${what} is not a usable PEM private key: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const params = algorithm.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: algorithm.namedCurve } : { name: algorithm.name, hash: algorithm.hash };
  const privateKey = await subtle.importKey('pkcs8', pkcs8, params, true, ['sign']);
  return { privateKey, algorithm };
}

/**
 * A random positive serial number in hex, `bytes` long. The top bit is cleared so that the DER
 * INTEGER stays positive without a padding byte, and a zero first byte is avoided so that the
 * encoded length is what was asked for.
 */
export function randomSerial(bytes = 16): string {
  const b = randomBytes(bytes);
  b[0] = ((b[0] ?? 0) & 0x7f) || 0x01;
  return b.toString('hex');
}

export function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Certificates and keys compare and store with `\n` endings and one final newline. */
export function normalizePem(text: string): string {
  return `${text.replace(/\r\n/g, '\n').trim()}\n`;
}
