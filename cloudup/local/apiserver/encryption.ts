/**
 * Encryption at rest as kube-apiserver does it with `--encryption-provider-config`: for each
 * resource the EncryptionConfiguration lists, the first provider encrypts what is written and
 * every provider is tried on what is read, so keys can be rotated. Values have kube-apiserver's
 * own layout, so what the stand-in writes to etcd is what a real API server would read:
 *
 * - aescbc: `k8s:enc:aescbc:v1:<key>:` + 16-byte IV + AES-CBC (PKCS#7 padding);
 * - aesgcm: `k8s:enc:aesgcm:v1:<key>:` + 12-byte nonce + AES-GCM ciphertext + 16-byte tag, the
 *   etcd key as additional authenticated data;
 * - secretbox: `k8s:enc:secretbox:v1:<key>:` + 24-byte nonce + NaCl secretbox (XSalsa20-Poly1305,
 *   tag first), from @noble/ciphers since Node's crypto has no XSalsa20;
 * - identity: the plain value (also what is read when no prefix matches and identity is listed).
 *
 * kms is refused when the file is loaded, naming the provider.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { secretbox } from '@noble/ciphers/salsa.js';
import { parse } from 'yaml';
import { RESOURCES, storageKey } from './resources.js';

/** What Storage applies to the bytes of one etcd key. */
export interface ValueTransformer {
  toStorage(key: string, plain: Buffer): Buffer;
  fromStorage(key: string, stored: Buffer): Buffer;
}

interface Provider {
  readonly prefix: string;
  seal(key: string, plain: Buffer): Buffer;
  /** undefined when `stored` is not this provider's. */
  open(key: string, stored: Buffer): Buffer | undefined;
}

interface Rule {
  /** etcd folders the rule covers; `/registry/` for `*.*`. */
  readonly folders: readonly string[];
  readonly providers: readonly Provider[];
}

type Json = Record<string, unknown>;
const GCM_NONCE = 12;
const GCM_TAG = 16;

function aesProvider(mode: 'aescbc' | 'aesgcm', name: string, secret: Buffer): Provider {
  const prefix = `k8s:enc:${mode}:v1:${name}:`;
  const algorithm = `aes-${secret.length * 8}-${mode === 'aescbc' ? 'cbc' : 'gcm'}`;
  return {
    prefix,
    seal(key, plain) {
      if (mode === 'aescbc') {
        const iv = randomBytes(16);
        const cipher = createCipheriv(algorithm, secret, iv);
        return Buffer.concat([Buffer.from(prefix), iv, cipher.update(plain), cipher.final()]);
      }
      const nonce = randomBytes(GCM_NONCE);
      const cipher = createCipheriv(algorithm as 'aes-256-gcm', secret, nonce).setAAD(Buffer.from(key));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([Buffer.from(prefix), nonce, body, cipher.getAuthTag()]);
    },
    open(key, stored) {
      if (!stored.subarray(0, prefix.length).equals(Buffer.from(prefix))) return undefined;
      const data = stored.subarray(prefix.length);
      if (mode === 'aescbc') {
        const decipher = createDecipheriv(algorithm, secret, data.subarray(0, 16));
        return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
      }
      const decipher = createDecipheriv(algorithm as 'aes-256-gcm', secret, data.subarray(0, GCM_NONCE)).setAAD(Buffer.from(key));
      decipher.setAuthTag(data.subarray(data.length - GCM_TAG));
      return Buffer.concat([decipher.update(data.subarray(GCM_NONCE, data.length - GCM_TAG)), decipher.final()]);
    },
  };
}

function secretboxProvider(name: string, secret: Buffer): Provider {
  const prefix = `k8s:enc:secretbox:v1:${name}:`;
  return {
    prefix,
    seal(_key, plain) {
      const nonce = randomBytes(24);
      return Buffer.concat([Buffer.from(prefix), nonce, secretbox(secret, nonce).seal(plain)]);
    },
    open(_key, stored) {
      if (!stored.subarray(0, prefix.length).equals(Buffer.from(prefix))) return undefined;
      const data = stored.subarray(prefix.length);
      return Buffer.from(secretbox(secret, data.subarray(0, 24)).open(data.subarray(24)));
    },
  };
}

const IDENTITY: Provider = { prefix: '', seal: (_key, plain) => plain, open: (_key, stored) => stored };

function providersOf(entry: Json, where: string): Provider[] {
  const [kind, settings] = Object.entries(entry)[0] ?? [];
  if (kind === 'identity') return [IDENTITY];
  if (kind !== 'aescbc' && kind !== 'aesgcm' && kind !== 'secretbox') throw new Error(`${where}: provider ${String(kind)} is not supported by the local cloud's API server (use aescbc, aesgcm, secretbox or identity)`);
  const keys = ((settings as Json | undefined)?.keys ?? []) as Json[];
  // Every key of a provider decrypts; the first one encrypts.
  return keys.map((k) => {
    const secret = Buffer.from(String(k.secret), 'base64');
    return kind === 'secretbox' ? secretboxProvider(String(k.name), secret) : aesProvider(kind, String(k.name), secret);
  });
}

/** The etcd folders of a resource name as the configuration writes it: `secrets`, `deployments.apps`, `*.apps`, `*.*`. */
function foldersOf(name: string): string[] {
  if (name === '*.*') return ['/registry/'];
  const dot = name.indexOf('.');
  const [plural, group] = dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
  return RESOURCES.filter((r) => r.group === group && (plural === '*' || r.plural === plural)).map((r) => storageKey(r));
}

/** Reads an EncryptionConfiguration (YAML or JSON); throws naming what the stand-in cannot honour. */
export function encryptionTransformer(text: string): ValueTransformer {
  const doc = parse(text) as Json;
  const rules: Rule[] = ((doc.resources ?? []) as Json[]).map((r, i) => ({
    folders: ((r.resources ?? []) as string[]).flatMap(foldersOf),
    providers: ((r.providers ?? []) as Json[]).flatMap((p, j) => providersOf(p, `resources[${i}].providers[${j}]`)),
  }));
  // The first rule that names a resource wins, as in kube-apiserver.
  const ruleFor = (key: string): Rule | undefined => rules.find((r) => r.folders.some((f) => key.startsWith(f)));
  return {
    toStorage(key, plain) {
      const first = ruleFor(key)?.providers[0];
      return first === undefined ? plain : first.seal(key, plain);
    },
    fromStorage(key, stored) {
      const rule = ruleFor(key);
      if (rule === undefined) return stored;
      for (const p of rule.providers.filter((q) => q.prefix !== '')) {
        const opened = p.open(key, stored);
        if (opened !== undefined) return opened;
      }
      if (rule.providers.includes(IDENTITY) && !stored.subarray(0, 8).equals(Buffer.from('k8s:enc:'))) return stored;
      throw new Error(`${key}: no provider of the encryption configuration can read it`);
    },
  };
}
