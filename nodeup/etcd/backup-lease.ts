/**
 * The claim on one scheduled backup, so that two members never take the same one: a single
 * object beside the backups (`<prefix>schedule-lease.json`) names the backup the next one
 * follows (`after`, the newest backup's id, or none) and who is taking it. A member claims a
 * slot by a conditional write (If-None-Match / If-Match on the object it read), so of members
 * that saw the same newest backup exactly one wins. A claim whose holder died is taken over
 * once it expires, and a member whose listing is older than the lease's never claims over it;
 * the winner then lists the backups again, and gives the slot up if one was written after
 * `after` in the meantime. Backup ids sort by time, so "older" is a string comparison.
 */

import type { ObjectStore } from '../../state-store/object-store.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import type { BackupLocation } from './backup-store.js';

export interface BackupLease {
  /** The newest backup's id when the slot was claimed; '' before the first backup. */
  readonly after: string;
  /** `<member>@<instance id>`. */
  readonly holder: string;
  readonly claimedAt: string;
  readonly expiresAt: string;
}

export const leaseKey = (loc: BackupLocation): string => `${loc.prefix}schedule-lease.json`;

/** How long a claim holds when its holder neither finishes nor renews it (a backup of a large database takes a while). */
export const LEASE_MS = 10 * 60_000;

async function read(store: ObjectStore, key: string): Promise<{ lease?: BackupLease; etag?: string }> {
  const found = await store.get(key);
  if (found === undefined) return {};
  try {
    return { lease: JSON.parse(Buffer.from(found.body).toString('utf8')) as BackupLease, etag: found.etag };
  } catch {
    // An unreadable lease is replaced like an expired one, still conditionally.
    return { etag: found.etag };
  }
}

export type ClaimResult = { readonly won: true } | { readonly won: false; readonly holder: string };

/** Claims the backup that follows `after` for `holder`; false when another member holds or took it. */
export async function claimSlot(loc: BackupLocation, after: string, holder: string, now: Date, leaseMs = LEASE_MS): Promise<ClaimResult> {
  const key = leaseKey(loc);
  const { lease, etag } = await read(loc.store, key);
  if (lease !== undefined) {
    // A lease past `after` was claimed by a member that saw a newer backup than this one did.
    if (lease.after > after) return { won: false, holder: lease.holder };
    if (lease.after === after && lease.holder !== holder && Date.parse(lease.expiresAt) > now.getTime()) return { won: false, holder: lease.holder };
  }
  const next: BackupLease = { after, holder, claimedAt: now.toISOString(), expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
  try {
    await loc.store.put(key, `${JSON.stringify(next, null, 2)}\n`, etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag });
    return { won: true };
  } catch (e) {
    if (!(e instanceof PreconditionFailedError)) throw e;
    const now2 = await read(loc.store, key);
    return { won: false, holder: now2.lease?.holder ?? 'another member' };
  }
}
