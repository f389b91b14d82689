/**
 * The history of a cluster's spec set: one object per accepted change, `history/<rev>`, holding
 * the revision number, when, who, the command line and the full spec set after the change.
 * Revisions are created with If-None-Match, so two writers can never claim the same number.
 */

import { hostname, userInfo } from 'node:os';
import type { Cluster, InstanceGroup } from '../src/api/index.js';
import { HoistError, NotFoundError } from '../src/errors.js';
import { historyKey, historyPrefix, revisionOfKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';

export interface ChangeMeta {
  /** The command line that made the change, e.g. `hoist edit cluster demo`. */
  readonly command: string;
  /** Why, when the user said (`--reason`), or what the command did. */
  readonly reason?: string;
  readonly user?: string;
}

export interface Revision {
  readonly rev: number;
  readonly time: string;
  readonly user: string;
  readonly command: string;
  readonly reason?: string;
  readonly specs: { readonly cluster: Cluster; readonly instanceGroups: readonly InstanceGroup[] };
  /**
   * The ETag each spec object had once written. A reader whose listing shows the same ETag can
   * use the copy here instead of reading the object.
   */
  readonly etags?: Readonly<Record<string, string>>;
}

export type RevisionSummary = Omit<Revision, 'specs' | 'etags'> & { readonly instanceGroups: number };

export function currentUser(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

export async function listRevisionNumbers(store: ObjectStore, cluster: string): Promise<number[]> {
  const keys = await store.list(historyPrefix(cluster));
  return keys.map(revisionOfKey).filter((r): r is number => r !== undefined).sort((a, b) => a - b);
}

export async function getRevision(store: ObjectStore, cluster: string, rev: number): Promise<Revision> {
  const found = await store.get(historyKey(cluster, rev));
  if (!found) {
    throw new NotFoundError(`revision ${rev} of cluster ${cluster} does not exist`, `list the revisions with: hoist history cluster ${cluster}`);
  }
  try {
    return JSON.parse(Buffer.from(found.body).toString('utf8')) as Revision;
  } catch (e) {
    throw new HoistError('STORE', `${historyKey(cluster, rev)} is not a readable history record`, { cause: e });
  }
}

export async function latestRevision(store: ObjectStore, cluster: string): Promise<Revision | undefined> {
  const revs = await listRevisionNumbers(store, cluster);
  const last = revs.at(-1);
  return last === undefined ? undefined : getRevision(store, cluster, last);
}

export async function listRevisions(store: ObjectStore, cluster: string): Promise<RevisionSummary[]> {
  const revs = await listRevisionNumbers(store, cluster);
  const all = await Promise.all(revs.map((r) => getRevision(store, cluster, r)));
  return all.map(({ specs, etags: _etags, ...rest }) => ({ ...rest, instanceGroups: specs.instanceGroups.length }));
}

/** Writes the next revision. A lost race for a number moves on to the next free one. */
export async function recordRevision(
  store: ObjectStore,
  cluster: string,
  specs: Revision['specs'],
  meta: ChangeMeta,
  etags?: Readonly<Record<string, string>>,
): Promise<Revision> {
  let rev = ((await listRevisionNumbers(store, cluster)).at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < 10; attempt++, rev++) {
    const record: Revision = {
      rev,
      time: new Date().toISOString(),
      user: meta.user ?? currentUser(),
      command: meta.command,
      ...(meta.reason === undefined ? {} : { reason: meta.reason }),
      specs: { cluster: specs.cluster, instanceGroups: [...specs.instanceGroups].sort(byName) },
      ...(etags === undefined ? {} : { etags }),
    };
    try {
      await store.put(historyKey(cluster, rev), `${JSON.stringify(record, null, 2)}\n`, { ifNoneMatch: '*' });
      return record;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
  }
  throw new HoistError('CONFLICT', `could not claim a history revision for ${cluster}: other writers kept taking them`);
}

function byName(a: InstanceGroup, b: InstanceGroup): number {
  return a.metadata.name.localeCompare(b.metadata.name);
}
