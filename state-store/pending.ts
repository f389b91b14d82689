/**
 * Unfinished changes: a pending revision names every object its change writes, with the bytes
 * before and after. Until the revision is completed, readers see the objects as they were before
 * (`beforeOverlay`), and the next writer puts them back (`rollBack`) before making its own change.
 */

import { HoistError } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import type { PendingChange, PendingObject, StoredRevision } from './history.js';
import { abortRevision, isCompleted, readRevision, sameChange } from './history.js';
import { historyKey } from './layout.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';

export function encodeBody(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('base64');
}

function decodeBody(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Each object of the change as it was before it: undefined where it did not exist. */
export function beforeOverlay(change: PendingChange): Map<string, StoredObject | undefined> {
  return new Map(
    change.objects.map((o) => [o.key, o.before === undefined ? undefined : { body: decodeBody(o.before), etag: o.beforeEtag ?? '' }]),
  );
}

/**
 * Puts every object of an unfinished change back as it was, then marks its revision aborted (when
 * `dropRecord`). Each step is conditional on what was just read, so it never undoes a change it
 * did not make, nor one whose revision was completed after all (a completion whose response was
 * lost looks like a failure to its writer). Callers hold the cluster lock, or are the writer
 * undoing its own change.
 */
export async function rollBack(
  store: ObjectStore,
  cluster: string,
  claimed: StoredRevision,
  events: EventSink,
  options: { readonly dropRecord: boolean },
): Promise<void> {
  const change = claimed.record.pending;
  if (!change) return;
  const now = await readRevision(store, cluster, claimed.record.rev);
  if (now && isCompleted(now.record) && sameChange(now.record, claimed.record)) return;
  await Promise.all(change.objects.map((o) => restore(store, cluster, claimed.record.rev, o)));
  if (options.dropRecord) {
    await abortRevision(store, cluster, claimed).catch((e: unknown) => {
      // Another writer rolled it back first: the outcome is the same.
      if (!(e instanceof PreconditionFailedError)) throw e;
    });
  }
  events({
    level: 'debug',
    code: 'store.rolled-back',
    message: `rolled back the unfinished revision ${claimed.record.rev} of ${cluster}`,
    data: { cluster, rev: claimed.record.rev },
  });
}

async function restore(store: ObjectStore, cluster: string, rev: number, o: PendingObject): Promise<void> {
  const current = await store.get(o.key);
  const now = encodeBody(current?.body);
  if (now === o.before) return;
  if (now !== o.after) {
    throw new HoistError('STORE', `${o.key} was changed outside hoist while revision ${rev} of ${cluster} was unfinished; it was left as it is`, {
      hint: `check ${o.key}; to keep it as it is, remove ${historyKey(cluster, rev)} from the state store`,
    });
  }
  const condition = current === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag };
  try {
    if (o.before === undefined) await store.delete(o.key, { ifMatch: current!.etag });
    else await store.put(o.key, decodeBody(o.before), condition);
  } catch (e) {
    // Someone restored it at the same time: fine if it now holds the old bytes.
    if (!(e instanceof PreconditionFailedError)) throw e;
    const again = await store.get(o.key);
    if (encodeBody(again?.body) !== o.before) throw e;
  }
}

/** How a rolled-back change is described to the user. */
export function describeUnfinished(claimed: StoredRevision): string {
  const r = claimed.record;
  const by = r.pending ? ` (pid ${r.pending.pid} on ${r.pending.host})` : '';
  return `revision ${r.rev} by ${r.user}${by} at ${r.time}, "${r.command}"`;
}
