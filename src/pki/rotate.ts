/**
 * Rotation of a keyset, in the steps that keep a cluster working throughout:
 *
 * 1. `addKeysetItem`: a new CA or key is added beside the primary. Readers of the issued copy
 *    (nodes, kubeconfigs) start trusting both once they are refreshed (a rolling update).
 * 2. `promoteKeysetItem`: the new item becomes primary, so what is issued from now on is signed
 *    by it; refresh again so every certificate is re-issued.
 * 3. `distrustKeysetItems`: the old item leaves the trust bundle (it stays in the keyset, marked
 *    distrusted, as kops keeps it); refresh again so nothing signed by it is accepted.
 *    `removeKeysetItem` deletes an item outright.
 */

import { HoistError } from '../errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { createCA, createKeyItem } from './ca.js';
import { distrustItems, itemsOlderThanPrimary, primaryItem, promoteItem, withItem, withoutItem } from './keyset.js';
import type { Keyset, KeysetItem } from './keyset.js';
import { updateKeyset } from './store.js';
import { x509 } from './x509.js';

export interface AddItemOptions {
  /** Make the new item primary at once (skips step 2's separate rollout: only for a fresh cluster). */
  readonly primary?: boolean;
  readonly now?: Date;
}

/** Adds a new CA (same subject as the primary's) or bare key; returns the keyset and the new item. */
export async function addKeysetItem(store: ObjectStore, cluster: string, name: string, opts: AddItemOptions = {}): Promise<{ keyset: Keyset; item: KeysetItem }> {
  let added: KeysetItem | undefined;
  const keyset = await updateKeyset(store, cluster, name, async (k) => {
    added = await newItemLike(k, opts.now);
    return withItem(k, added, { primary: opts.primary === true });
  });
  if (added === undefined) throw new HoistError('INTERNAL', `no item was added to keyset ${name}`);
  return { keyset, item: added };
}

/** Makes item `id` primary; without an id, the newest trusted item that is not primary yet. */
export async function promoteKeysetItem(store: ObjectStore, cluster: string, name: string, id?: string): Promise<{ keyset: Keyset; id: string }> {
  let promoted = id;
  const keyset = await updateKeyset(store, cluster, name, (k) => {
    promoted = id ?? newestCandidate(k);
    return promoteItem(k, promoted);
  });
  if (promoted === undefined) throw new HoistError('INTERNAL', `no item of keyset ${name} was promoted`);
  return { keyset, id: promoted };
}

/**
 * Distrusts items `ids`; without ids, every trusted item older than the primary (kops's
 * default). Returns the keyset and the ids that were distrusted now (none: nothing to do).
 */
export async function distrustKeysetItems(store: ObjectStore, cluster: string, name: string, ids: readonly string[], now = new Date()): Promise<{ keyset: Keyset; distrusted: string[] }> {
  let distrusted: string[] = [];
  const keyset = await updateKeyset(store, cluster, name, (k) => {
    const wanted = ids.length > 0 ? [...new Set(ids)] : itemsOlderThanPrimary(k);
    distrusted = wanted.filter((want) => k.spec.items.find((i) => i.id === want)?.distrustedAt === undefined);
    return distrustItems(k, wanted, now);
  });
  return { keyset, distrusted };
}

function newestCandidate(k: Keyset): string {
  const candidates = k.spec.items.filter((i) => i.id !== k.spec.primaryId && i.distrustedAt === undefined);
  // Stable: of two made in the same millisecond, the one added later wins.
  const newest = candidates.reduce<KeysetItem | undefined>((best, i) => (best === undefined || Date.parse(i.createdAt) >= Date.parse(best.createdAt) ? i : best), undefined);
  if (newest === undefined) {
    throw new HoistError('NOT_FOUND', `keyset ${k.metadata.name} has no item to promote: its only trusted item ${k.spec.primaryId} is already primary`, { hint: `add one first: hoist create keypair ${k.metadata.name}` });
  }
  return newest.id;
}

export function removeKeysetItem(store: ObjectStore, cluster: string, name: string, id: string): Promise<Keyset> {
  return updateKeyset(store, cluster, name, (k) => withoutItem(k, id));
}

async function newItemLike(keyset: Keyset, now: Date | undefined): Promise<KeysetItem> {
  const opts = now === undefined ? {} : { now };
  switch (keyset.spec.type) {
    case 'CA': {
      const certificate = primaryItem(keyset).certificate;
      const cn = certificate === undefined ? undefined : new x509.X509Certificate(certificate).subjectName.getField('CN')[0];
      return createCA(cn ?? keyset.metadata.name, opts);
    }
    case 'ServiceAccountKey':
      return createKeyItem(opts);
    case 'Keypair':
      throw new HoistError('UNSUPPORTED', `keyset ${keyset.metadata.name} is a Keypair: issue its new certificate from its CA and add it with withItem`);
  }
}
