/**
 * What `hoist create secret` accepts for each kind: a docker config.json with registry
 * credentials, and a Kubernetes EncryptionConfiguration (apiserver.config.k8s.io/v1) whose
 * providers kube-apiserver would load. Every problem is returned at once, with its path in the
 * file, the bad value and the fix; secret values are never echoed back.
 */

import { parse as parseYaml } from 'yaml';
import type { FieldProblem } from '../errors.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Stands for a secret in messages: the value itself is never printed. */
const HIDDEN = '(hidden)';
/** What a misplaced value is, without the value: it may be a credential. */
const shapeOf = (v: unknown): string => `(${v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`}, hidden)`;

export function dockerConfigProblems(text: string): FieldProblem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return [{ path: '(file)', message: `is not JSON: ${(e as Error).message}`, fix: 'give the config.json that docker login or podman login writes' }];
  }
  if (!isObject(doc) || !isObject(doc.auths)) {
    return [{ path: 'auths', value: shapeOf(isObject(doc) ? doc.auths : doc), message: 'is not an object of registries', fix: 'e.g. {"auths": {"registry.example.com": {"auth": "<base64 of user:password>"}}}' }];
  }
  const problems: FieldProblem[] = [];
  const registries = Object.entries(doc.auths);
  if (registries.length === 0) problems.push({ path: 'auths', value: {}, message: 'names no registry', fix: 'log in to a registry first (docker login REGISTRY), then give its config.json' });
  for (const [registry, entry] of registries) {
    const at = `auths[${JSON.stringify(registry)}]`;
    if (!/^[A-Za-z0-9.-]+(:\d+)?(\/[^\s]*)?$/.test(registry.replace(/^https?:\/\//, ''))) {
      problems.push({ path: at, value: registry, message: 'is not a registry host', fix: 'a host name with an optional port, e.g. registry.example.com:5000' });
    }
    if (!isObject(entry)) {
      problems.push({ path: at, value: shapeOf(entry), message: 'is not an object', fix: 'give {"auth": "<base64 of user:password>"}' });
      continue;
    }
    const auth = entry.auth;
    if (auth !== undefined) {
      const decoded = typeof auth === 'string' && BASE64.test(auth) ? Buffer.from(auth, 'base64').toString('utf8') : undefined;
      if (decoded === undefined || !decoded.includes(':')) {
        problems.push({ path: `${at}.auth`, value: HIDDEN, message: 'is not the base64 of user:password', fix: 'set it to the output of: printf %s USER:PASSWORD | base64 -w0' });
      }
    } else if (typeof entry.identitytoken !== 'string' && (typeof entry.username !== 'string' || typeof entry.password !== 'string')) {
      problems.push({ path: at, value: Object.keys(entry), message: 'has no credentials', fix: 'set auth (base64 of user:password), username and password, or identitytoken' });
    }
  }
  return problems;
}

const ENCRYPTION_API_VERSION = 'apiserver.config.k8s.io/v1';
/** kube-apiserver's key sizes, in bytes. */
const KEY_SIZES: Readonly<Record<string, readonly number[]>> = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] };
const PROVIDERS = ['aescbc', 'aesgcm', 'secretbox', 'identity', 'kms'] as const;

export interface EncryptionConfigCheck {
  readonly problems: FieldProblem[];
  /** What is allowed but probably not meant, e.g. identity first: nothing new is encrypted. */
  readonly warnings: string[];
}

export function encryptionConfigProblems(text: string): EncryptionConfigCheck {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { problems: [{ path: '(file)', message: `is not YAML: ${(e as Error).message.split('\n')[0] ?? ''}`, fix: 'give an EncryptionConfiguration as kube-apiserver reads it' }], warnings: [] };
  }
  const example = `apiVersion: ${ENCRYPTION_API_VERSION}, kind: EncryptionConfiguration, resources: [{resources: [secrets], providers: [{aescbc: {keys: [{name: key1, secret: <base64 of 32 random bytes>}]}}, {identity: {}}]}]`;
  if (!isObject(doc)) return { problems: [{ path: '(file)', value: shapeOf(doc), message: 'is not an EncryptionConfiguration', fix: example }], warnings: [] };
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  if (doc.apiVersion !== ENCRYPTION_API_VERSION) problems.push({ path: 'apiVersion', value: doc.apiVersion, message: 'is not the EncryptionConfiguration API version', fix: `use ${ENCRYPTION_API_VERSION}` });
  if (doc.kind !== 'EncryptionConfiguration') problems.push({ path: 'kind', value: doc.kind, message: 'is not EncryptionConfiguration', fix: 'use kind: EncryptionConfiguration' });
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) {
    problems.push({ path: 'resources', value: doc.resources, message: 'lists no resources to encrypt', fix: example });
    return { problems, warnings };
  }
  doc.resources.forEach((r: unknown, i: number) => {
    const at = `resources[${i}]`;
    if (!isObject(r)) return problems.push({ path: at, value: shapeOf(r), message: 'is not an object', fix: 'give resources and providers' });
    if (!Array.isArray(r.resources) || r.resources.length === 0 || !r.resources.every((x) => typeof x === 'string' && x !== '')) {
      problems.push({ path: `${at}.resources`, value: r.resources, message: 'is not a list of resource names', fix: 'e.g. [secrets] or [secrets, configmaps]' });
    }
    if (!Array.isArray(r.providers) || r.providers.length === 0) return problems.push({ path: `${at}.providers`, value: shapeOf(r.providers), message: 'lists no providers', fix: 'e.g. [{aescbc: {keys: [...]}}, {identity: {}}]' });
    r.providers.forEach((p: unknown, j: number) => providerProblems(p, `${at}.providers[${j}]`, problems));
    const first = r.providers[0];
    if (isObject(first) && 'identity' in first) warnings.push(`${at}.providers[0] is identity: ${Array.isArray(r.resources) ? r.resources.join(', ') : 'these resources'} are written unencrypted (the other providers only decrypt)`);
    return undefined;
  });
  return { problems, warnings };
}

function providerProblems(p: unknown, at: string, problems: FieldProblem[]): void {
  const kinds = isObject(p) ? Object.keys(p) : [];
  const kind = kinds[0];
  if (!isObject(p) || kinds.length !== 1 || kind === undefined || !(PROVIDERS as readonly string[]).includes(kind)) {
    problems.push({ path: at, value: kinds, message: 'is not one provider', fix: `name exactly one of ${PROVIDERS.join(', ')}` });
    return;
  }
  if (kind === 'identity') return;
  if (kind === 'kms') {
    problems.push({ path: `${at}.kms`, value: HIDDEN, message: 'needs a KMS plugin on the control plane, which hoist does not run', fix: 'use aescbc, aesgcm or secretbox' });
    return;
  }
  const keys = (p[kind] as Json | undefined)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    problems.push({ path: `${at}.${kind}.keys`, value: shapeOf(keys), message: 'lists no keys', fix: 'e.g. [{name: key1, secret: <base64 of 32 random bytes: head -c 32 /dev/urandom | base64>}]' });
    return;
  }
  const names = new Set<string>();
  keys.forEach((k: unknown, i: number) => {
    const where = `${at}.${kind}.keys[${i}]`;
    const name = isObject(k) ? k.name : undefined;
    if (typeof name !== 'string' || name === '') problems.push({ path: `${where}.name`, value: name, message: 'is not a key name', fix: 'name each key, e.g. key1' });
    else if (names.has(name)) problems.push({ path: `${where}.name`, value: name, message: 'names another key of this provider too', fix: 'give each key its own name' });
    else names.add(name);
    const secret = isObject(k) ? k.secret : undefined;
    const bytes = typeof secret === 'string' && BASE64.test(secret) ? Buffer.from(secret, 'base64').length : undefined;
    const sizes = KEY_SIZES[kind] ?? [];
    if (bytes === undefined || !sizes.includes(bytes)) {
      const what = bytes === undefined ? 'is not base64' : `is ${bytes} bytes long`;
      problems.push({ path: `${where}.secret`, value: HIDDEN, message: `${what}: ${kind} takes a key of ${sizes.join(', ')} bytes`, fix: `make one with: head -c ${sizes.at(-1) ?? 32} /dev/urandom | base64` });
    }
  });
}
