/**
 * The keysets every cluster has, created at its first apply. Creating is idempotent and safe to
 * race: each keyset is created with If-None-Match, so of two applies running at once one
 * creates each CA and the other reads it.
 */

import type { EventSink } from '../output/events.js';
import { silent } from '../output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { createCA, createKeyItem } from './ca.js';
import { newKeyset } from './keyset.js';
import type { KeysetItem, KeysetType } from './keyset.js';
import { createKeyset, publishKeyset, readKeyset } from './store.js';

export interface StandardKeyset {
  readonly name: string;
  readonly type: KeysetType;
  readonly purpose: string;
}

export const CLUSTER_KEYSETS: readonly StandardKeyset[] = [
  { name: 'kubernetes-ca', type: 'CA', purpose: 'signs the API server, kubelets, components and users' },
  { name: 'etcd-peers-ca', type: 'CA', purpose: 'signs what etcd members present to each other' },
  { name: 'etcd-clients-ca', type: 'CA', purpose: 'signs etcd serving certificates and its clients (the API server)' },
  { name: 'apiserver-aggregator-ca', type: 'CA', purpose: 'signs the aggregation layer proxy client' },
  { name: 'service-account', type: 'ServiceAccountKey', purpose: 'signs and verifies service-account tokens' },
];

export interface EnsurePKIOptions {
  readonly events?: EventSink;
  readonly now?: Date;
}

export async function ensureClusterPKI(store: ObjectStore, cluster: string, opts: EnsurePKIOptions = {}): Promise<{ created: string[] }> {
  const events = opts.events ?? silent;
  const results = await Promise.all(
    CLUSTER_KEYSETS.map(async (want) => {
      const existing = await readKeyset(store, cluster, want.name, { private: true });
      if (existing !== undefined) {
        // Heals an issued copy lost to a crash between the two writes.
        if (await publishKeyset(store, cluster, want.name)) {
          events({ level: 'debug', code: 'pki.published', message: `published the public copy of keyset ${want.name}`, data: { cluster, keyset: want.name } });
        }
        return false;
      }
      const item = await newItem(want, opts.now);
      const { created } = await createKeyset(store, cluster, newKeyset(want.name, want.type, item));
      if (created) {
        const until = item.notAfter === undefined ? '' : `, valid until ${item.notAfter.slice(0, 10)}`;
        events({ level: 'info', code: 'pki.created', message: `created keyset ${want.name} (${want.type}${until})`, data: { cluster, keyset: want.name, type: want.type, id: item.id } });
      } else {
        events({ level: 'debug', code: 'pki.raced', message: `keyset ${want.name} was created by another process at the same time; using it`, data: { cluster, keyset: want.name } });
      }
      return created;
    }),
  );
  return { created: CLUSTER_KEYSETS.filter((_, i) => results[i]).map((k) => k.name) };
}

function newItem(want: StandardKeyset, now: Date | undefined): Promise<KeysetItem> {
  const opts = now === undefined ? {} : { now };
  return want.type === 'CA' ? createCA(want.name, opts) : createKeyItem(opts);
}
