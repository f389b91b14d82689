/**
 * Keysets in the state store. Each keyset is kept twice:
 *
 *   <cluster>/pki/private/<name>/keyset.yaml   with private keys: control plane and operator only
 *   <cluster>/pki/issued/<name>/keyset.yaml    the same items without private keys: anyone
 *
 * The private copy is the truth; the issued copy is derived from it and rewritten after every
 * change, so a crash between the two writes heals on the next write or ensure. Writes are
 * conditional: creating uses If-None-Match, changing uses If-Match on the ETag read, so two
 * writers racing never both win.
 */

import { HoistError } from '../errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import { keysetToYaml, parseKeyset, publicKeyset } from './keyset.js';
import type { Keyset } from './keyset.js';

export const pkiPrefix = (cluster: string): string => `${cluster}/pki/`;
export const privateKeysetKey = (cluster: string, name: string): string => `${cluster}/pki/private/${name}/keyset.yaml`;
export const issuedKeysetKey = (cluster: string, name: string): string => `${cluster}/pki/issued/${name}/keyset.yaml`;

const KEYSET_NAME = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;

export interface ReadKeysetOptions {
  /** Read the copy with private keys (control plane and operator only). */
  readonly private: boolean;
}

/** A keyset with the ETag of the object it was read from, for a conditional write back. */
export interface VersionedKeyset {
  readonly keyset: Keyset;
  readonly etag: string;
}

export async function readKeyset(store: ObjectStore, cluster: string, name: string, opts: ReadKeysetOptions): Promise<Keyset | undefined> {
  return (await readVersioned(store, cluster, name, opts))?.keyset;
}

export async function readVersioned(store: ObjectStore, cluster: string, name: string, opts: ReadKeysetOptions): Promise<VersionedKeyset | undefined> {
  checkName(name);
  const key = opts.private ? privateKeysetKey(cluster, name) : issuedKeysetKey(cluster, name);
  const found = await store.get(key);
  if (found === undefined) return undefined;
  const keyset = parseKeyset(new TextDecoder().decode(found.body), { source: key, private: opts.private });
  if (keyset.metadata.name !== name) throw new HoistError('STORE', `${key} holds keyset ${keyset.metadata.name}, not ${name}`);
  return { keyset, etag: found.etag };
}

/** The names of the cluster's keysets (those with either copy), sorted. */
export async function listKeysets(store: ObjectStore, cluster: string): Promise<string[]> {
  const keys = await store.list(pkiPrefix(cluster));
  const names = keys.map((k) => /\/pki\/(?:private|issued)\/([^/]+)\/keyset\.yaml$/.exec(k)?.[1]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

/**
 * Stores a new keyset unless one of that name exists. Returns the keyset that is stored in the
 * end, and whether it is the one given: the loser of a race gets the winner's.
 */
export async function createKeyset(store: ObjectStore, cluster: string, keyset: Keyset): Promise<{ keyset: Keyset; created: boolean }> {
  const name = keyset.metadata.name;
  checkName(name);
  try {
    await store.put(privateKeysetKey(cluster, name), keysetToYaml(keyset), { ifNoneMatch: '*' });
  } catch (e) {
    if (!(e instanceof PreconditionFailedError)) throw e;
    const winner = await readKeyset(store, cluster, name, { private: true });
    if (winner === undefined) throw new HoistError('CONFLICT', `keyset ${name} of ${cluster} was created and removed while being created`, { hint: 'run the command again' });
    await publishKeyset(store, cluster, name);
    return { keyset: winner, created: false };
  }
  await publishKeyset(store, cluster, name);
  return { keyset, created: true };
}

/**
 * Changes a keyset: reads the private copy, applies `change`, writes it back if nobody wrote in
 * between (a conflict is reported, not retried: the change may depend on what was read), then
 * republishes the public copy.
 */
export async function updateKeyset(store: ObjectStore, cluster: string, name: string, change: (k: Keyset) => Keyset | Promise<Keyset>): Promise<Keyset> {
  const found = await readVersioned(store, cluster, name, { private: true });
  if (found === undefined) throw new HoistError('NOT_FOUND', `keyset ${name} of ${cluster} does not exist`, { hint: `list the keysets with: hoist get keypairs --name ${cluster}` });
  const next = await change(found.keyset);
  await store.put(privateKeysetKey(cluster, name), keysetToYaml(next), { ifMatch: found.etag });
  await publishKeyset(store, cluster, name);
  return next;
}

/**
 * Makes the issued copy match the private copy as stored now. The issued copy is read before
 * the private one, and written only if it did not change since: so a publisher that read an
 * older private copy can never overwrite what a later change published.
 */
export async function publishKeyset(store: ObjectStore, cluster: string, name: string): Promise<boolean> {
  const key = issuedKeysetKey(cluster, name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.get(key);
    const source = await readKeyset(store, cluster, name, { private: true });
    if (source === undefined) return false;
    const text = keysetToYaml(publicKeyset(source));
    if (current !== undefined && new TextDecoder().decode(current.body) === text) return false;
    try {
      await store.put(key, text, current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag });
      return true;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
  }
  throw new HoistError('CONFLICT', `${key} kept changing while it was published`, { hint: 'run the command again' });
}

function checkName(name: string): void {
  if (!KEYSET_NAME.test(name)) {
    throw new HoistError('INVALID_NAME', `${JSON.stringify(name)} is not a keyset name`, { hint: 'keyset names are lower-case DNS labels such as kubernetes-ca' });
  }
}
