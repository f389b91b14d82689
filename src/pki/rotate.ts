/**
 * Rotation of a keyset, in the steps that keep a cluster working throughout:
 *
 * 1. `addKeysetItem`: a new CA or key is added beside the primary. Readers of the issued copy
 *    (nodes, kubeconfigs) start trusting both once they are refreshed (a rolling update).
 * 2. `promoteKeysetItem`: the new item becomes primary, so what is issued from now on is signed
 *    by it; refresh again so every certificate is re-issued.
 * 3. `removeKeysetItem`: the old item goes once nothing signed by it is in use.
 */

import { HoistError } from '../errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { createCA, createKeyItem } from './ca.js';
import { primaryItem, promoteItem, withItem, withoutItem } from './keyset.js';
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

export function promoteKeysetItem(store: ObjectStore, cluster: string, name: string, id: string): Promise<Keyset> {
  return updateKeyset(store, cluster, name, (k) => promoteItem(k, id));
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
