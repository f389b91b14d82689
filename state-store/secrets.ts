/**
 * The cluster's secret store: `<cluster>/secrets/<name>`, each the file the user gave, as it was
 * given (a docker config.json, a Kubernetes EncryptionConfiguration), like kops's secret store.
 * Only the control plane and operators read here; `update cluster --yes` copies what a group's
 * machines need into `igconfig/<ig>/secrets/` (nodeup/config/keys.ts), which is all a worker
 * machine may read.
 */

import { createHash } from 'node:crypto';
import type { ObjectStore } from './object-store.js';

/** The kinds of secret hoist uses, by their kops names. */
export const SECRET_NAMES = ['dockerconfig', 'encryptionconfig'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export const secretsPrefix = (cluster: string): string => `${cluster}/secrets/`;
export const secretKey = (cluster: string, name: SecretName): string => `${cluster}/secrets/${name}`;

export function isSecretName(name: string): name is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(name);
}

export interface StoredSecret {
  readonly name: SecretName;
  readonly content: string;
  /** `sha256:<hex>` of the content: what nodeup.yaml pins, so a new secret marks machines out of date. */
  readonly sha256: string;
  readonly etag: string;
}

export function secretHash(content: string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export async function readSecret(store: ObjectStore, cluster: string, name: SecretName): Promise<StoredSecret | undefined> {
  const found = await store.get(secretKey(cluster, name));
  if (found === undefined) return undefined;
  const content = Buffer.from(found.body).toString('utf8');
  return { name, content, sha256: secretHash(content), etag: found.etag };
}

/** Every secret of the cluster hoist knows, in SECRET_NAMES order. */
export async function readSecrets(store: ObjectStore, cluster: string): Promise<StoredSecret[]> {
  const keys = new Set(await store.list(secretsPrefix(cluster)));
  const found = await Promise.all(SECRET_NAMES.filter((n) => keys.has(secretKey(cluster, n))).map((n) => readSecret(store, cluster, n)));
  return found.filter((s): s is StoredSecret => s !== undefined);
}
