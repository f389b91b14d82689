/**
 * Reads of a cluster's spec set that see one state of it: the objects as of a completed revision,
 * never some from before a change and some from after it.
 *
 * A writer claims a pending revision before it writes any object (see clientset.ts). A reader
 * first reads the head of the history; where a change is pending it takes the objects of that
 * change as they were before it, and the others from the store. The read stands when every object
 * has the ETag the latest completed revision recorded for it (the usual case: nothing to
 * re-check), or else when the head of the history did not move while it read; otherwise it reads
 * again. A rolled-back change leaves an aborted record (history.ts), so the head never moves back
 * to a record it was at before, and "did not move" means no change was made or undone meanwhile.
 */

import { HoistError } from '../src/errors.js';
import type { Revision, StoredRevision } from './history.js';
import { listRevisionNumbers, readRevision } from './history.js';
import { historyKey, historyPrefix, revisionOfKey } from './layout.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import { beforeOverlay } from './pending.js';

interface Marker {
  readonly key: string;
  readonly etag: string;
}

export interface Head {
  /** The latest history record, pending or not: what moves when anyone writes. */
  readonly marker: Marker | undefined;
  /** The latest completed revision. */
  readonly complete: Revision | undefined;
  /** Unfinished changes after it, newest first (normally none, at most one). */
  readonly pending: readonly StoredRevision[];
}

/** What a read looked at: each object's ETag (undefined: absent) and the prefixes it listed. */
export interface Seen {
  readonly objects: Map<string, string | undefined>;
  readonly listed: string[];
}

/** Objects to take as they were before unfinished changes, instead of from the store. */
export type Overlay = ReadonlyMap<string, StoredObject | undefined>;

const ATTEMPTS = 5;

export async function readHead(store: ObjectStore, cluster: string): Promise<Head> {
  const revs = await listRevisionNumbers(store, cluster);
  let marker: Marker | undefined;
  const pending: StoredRevision[] = [];
  for (const rev of revs.reverse()) {
    const found = await readRevision(store, cluster, rev);
    // Gone since the listing: removed from the store by hand.
    if (!found) continue;
    marker ??= { key: historyKey(cluster, rev), etag: found.etag };
    // A rolled-back change: it moved the marker, and is no state of the spec set.
    if (found.record.aborted) continue;
    if (!found.record.pending) return { marker, complete: found.record, pending };
    pending.push(found);
  }
  return { marker, complete: undefined, pending };
}

/** The objects of the unfinished changes as they were before the oldest of them. */
export function overlayOf(head: Head): Overlay {
  const overlay = new Map<string, StoredObject | undefined>();
  for (const p of head.pending) for (const [key, before] of beforeOverlay(p.record.pending!)) overlay.set(key, before);
  return overlay;
}

export async function consistentRead<T>(
  store: ObjectStore,
  cluster: string,
  read: (head: Head, overlay: Overlay) => Promise<{ readonly value: T; readonly seen: Seen }>,
): Promise<T> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const head = await readHead(store, cluster);
    const overlay = overlayOf(head);
    const { value, seen } = await read(head, overlay);
    if (matchesRecord(head.complete, seen, overlay)) return value;
    const now = await currentMarker(store, cluster);
    if (now?.key === head.marker?.key && now?.etag === head.marker?.etag) return value;
  }
  throw new HoistError('STORE', `the spec of cluster ${cluster} kept changing while it was being read`, {
    hint: 'other commands are changing it; retry when they are done (hoist lock status shows who holds the cluster)',
  });
}

/** Whether what was read is exactly the state that `complete` recorded. */
function matchesRecord(complete: Revision | undefined, seen: Seen, overlay: Overlay): boolean {
  const etags = complete?.etags;
  if (!etags) return false;
  for (const [key, etag] of seen.objects) if (etags[key] !== etag) return false;
  for (const key of Object.keys(etags)) {
    if (seen.listed.some((p) => key.startsWith(p)) && !seen.objects.has(key) && !overlay.has(key)) return false;
  }
  return true;
}

async function currentMarker(store: ObjectStore, cluster: string): Promise<Marker | undefined> {
  const prefix = historyPrefix(cluster);
  if (store.listWithEtags) {
    const listed = (await store.listWithEtags(prefix)).filter((o) => revisionOfKey(o.key) !== undefined);
    return listed.sort((a, b) => revisionOfKey(a.key)! - revisionOfKey(b.key)!).at(-1);
  }
  const last = (await listRevisionNumbers(store, cluster)).at(-1);
  if (last === undefined) return undefined;
  const found = await store.get(historyKey(cluster, last));
  return found ? { key: historyKey(cluster, last), etag: found.etag } : undefined;
}
