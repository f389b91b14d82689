/**
 * The cluster as its last apply left it (`cluster-completed.spec` in the state store), for what an
 * earlier spec made that the current one no longer names: the workload identity pool of a spec
 * that turned external permissions off, the binding of an entry taken off the list. Unreadable or
 * absent: undefined, and nothing is deleted on its word.
 */

import { parseAllDocuments } from 'yaml';
import type { Cluster } from '../../src/api/index.js';
import { completedSpecKey } from '../../state-store/layout.js';
import { openStore } from '../../state-store/open.js';

export async function previousCluster(stateStore: string | undefined, cluster: string, env: Readonly<Record<string, string | undefined>>): Promise<Cluster | undefined> {
  if (stateStore === undefined) return undefined;
  const store = await openStore(stateStore, { env });
  try {
    const stored = await store.get(completedSpecKey(cluster));
    if (stored === undefined) return undefined;
    const first = parseAllDocuments(Buffer.from(stored.body).toString('utf8'))[0];
    const doc = (Array.isArray(first) ? undefined : first?.toJS()) as Cluster | null | undefined;
    return doc?.kind === 'Cluster' && doc.metadata?.name === cluster ? doc : undefined;
  } catch {
    // An unreadable record says nothing.
    return undefined;
  } finally {
    store.close?.();
  }
}
