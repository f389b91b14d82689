/**
 * What a listing of clusters reads (`hoist get clusters`): their names, and each Cluster's name,
 * cloud and zones. It reads without the spec API, whose schemas cost a listing most of its
 * start-up (docs/benchmarks.md): a Cluster that is byte for byte what hoist wrote at its latest
 * revision was validated then, and is taken from that revision's copy. Any other (changed
 * outside hoist, or a copy without the fields a listing shows) is read and validated as the
 * clientset reads it, so a damaged object is refused with the same problems.
 */

import type { Cluster, InstanceGroup } from '../src/api/index.js';
import { readRevision } from './history.js';
import { clusterConfigKey, historyKey, revisionOfKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import type { Decode } from './spec-read.js';
import { readSpecParts } from './spec-read.js';

/**
 * Names of every cluster in the store, sorted. A cluster whose creation is unfinished is not
 * one yet: the latest history record of each is read to tell.
 */
export async function listClusterNames(store: ObjectStore): Promise<string[]> {
  const keys = await store.list('');
  const names = keys.filter((k) => /^[^/]+\/config$/.test(k)).map((k) => k.slice(0, -'/config'.length));
  const latest = new Map<string, number>();
  for (const k of keys) {
    const rev = revisionOfKey(k);
    const name = k.split('/')[0]!;
    if (rev !== undefined && k === historyKey(name, rev)) latest.set(name, Math.max(rev, latest.get(name) ?? 0));
  }
  const exists = await Promise.all(
    names.map(async (name) => {
      const rev = latest.get(name);
      if (rev === undefined) return true;
      const found = await readRevision(store, name, rev);
      const created = found?.record.pending?.objects.some((o) => o.key === clusterConfigKey(name) && o.before === undefined);
      return created !== true;
    }),
  );
  return names.filter((_, i) => exists[i]);
}

/** The Cluster `name` as a listing shows it, or undefined when there is none. */
export async function readListedCluster(store: ObjectStore, name: string): Promise<Cluster | undefined> {
  return (await readSpecParts(store, name, { cluster: true }, decodeListed)).cluster?.object;
}

const decodeListed: Decode = async (key, body, kind, recorded) => {
  if (recorded && kind === 'Cluster' && listable(recorded)) return recorded;
  const { decodeChecked } = await import('./spec-decode.js');
  return decodeChecked(key, body, kind, recorded);
};

/** The fields a listing reads, in the shapes it reads them: a damaged history record fails this. */
function listable(object: Cluster | InstanceGroup): boolean {
  const o = object as unknown as { metadata?: { name?: unknown }; spec?: { cloudProvider?: unknown; subnets?: unknown } };
  const subnets = o.spec?.subnets;
  return (
    typeof o.metadata?.name === 'string' &&
    typeof o.spec?.cloudProvider === 'string' &&
    (subnets === undefined || (Array.isArray(subnets) && subnets.every(isSubnet)))
  );
}

function isSubnet(s: unknown): boolean {
  const zone = typeof s === 'object' && s !== null ? (s as { zone?: unknown }).zone : null;
  return zone === undefined || typeof zone === 'string';
}
