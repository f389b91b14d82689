/**
 * Reading the spec objects of one cluster (its Cluster and InstanceGroups) as one consistent
 * state (see spec-view.ts), decoded from the YAML they are stored as.
 */

import { parseStoredText } from '../src/api/index.js';
import type { Cluster, InstanceGroup } from '../src/api/index.js';
import { HoistError } from '../src/errors.js';
import { clusterConfigKey, instanceGroupKey, instanceGroupPrefix } from './layout.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import type { Head, Overlay, Seen } from './spec-view.js';
import { consistentRead } from './spec-view.js';

export interface Versioned<T> {
  readonly object: T;
  readonly etag: string;
}

export interface ReadWant {
  readonly cluster?: boolean;
  readonly groups?: boolean;
  /** One group by name, without listing the others. */
  readonly group?: string;
}

export interface ReadResult {
  readonly cluster: Versioned<Cluster> | undefined;
  readonly groups: Versioned<InstanceGroup>[];
}

interface GroupRead {
  readonly key: string;
  readonly found?: StoredObject;
  readonly copy?: Versioned<InstanceGroup>;
}

type Get = (key: string) => Promise<StoredObject | undefined>;

/** The parts of a cluster's spec set that `want` names, all as of one state of the store. */
export function readSpecParts(store: ObjectStore, name: string, want: ReadWant): Promise<ReadResult> {
  return consistentRead(store, name, async (head, overlay) => {
    const seen: Seen = { objects: new Map(), listed: [] };
    const get: Get = async (key) => {
      if (overlay.has(key)) return overlay.get(key);
      const found = await store.get(key);
      seen.objects.set(key, found?.etag);
      return found;
    };
    const configKey = clusterConfigKey(name);
    const one = async (ig: string): Promise<GroupRead[]> => [{ key: instanceGroupKey(name, ig), found: await get(instanceGroupKey(name, ig)) }];
    const [config, groups] = await Promise.all([
      want.cluster ? get(configKey) : undefined,
      want.group !== undefined ? one(want.group) : want.groups ? readGroups(store, name, head, overlay, seen, get) : [],
    ]);
    const value: ReadResult = {
      cluster: config ? { object: decode(configKey, config.body, 'Cluster') as Cluster, etag: config.etag } : undefined,
      groups: groups.flatMap(({ key, found, copy }) => {
        if (copy) return [copy];
        return found ? [{ object: decode(key, found.body, 'InstanceGroup') as InstanceGroup, etag: found.etag }] : [];
      }),
    };
    return { value, seen };
  });
}

/**
 * Every group, sorted by name. Where the store lists ETags (S3), a group whose ETag matches the
 * copy in the latest revision is taken from that copy, so hundreds of groups cost no more
 * requests than one.
 */
async function readGroups(store: ObjectStore, name: string, head: Head, overlay: Overlay, seen: Seen, get: Get): Promise<GroupRead[]> {
  const prefix = instanceGroupPrefix(name);
  const isGroup = (key: string) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/');
  seen.listed.push(prefix);
  const listed = store.listWithEtags
    ? await store.listWithEtags(prefix)
    : (await store.list(prefix)).map((key) => ({ key, etag: undefined }));
  const keys = new Map<string, string | undefined>(listed.filter((o) => isGroup(o.key)).map((o) => [o.key, o.etag]));
  // A group that an unfinished change deleted is still there for readers.
  for (const key of overlay.keys()) if (isGroup(key)) keys.set(key, undefined);
  const latest = head.complete;
  const copies = new Map((latest?.specs.instanceGroups ?? []).map((ig) => [instanceGroupKey(name, ig.metadata.name), ig]));
  const sorted = [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    sorted.map(async ([key, etag]): Promise<GroupRead> => {
      const copy = copies.get(key);
      if (!overlay.has(key) && etag !== undefined && copy && latest?.etags?.[key] === etag) {
        seen.objects.set(key, etag);
        return { key, copy: { object: copy, etag } };
      }
      return { key, found: await get(key) };
    }),
  );
}

function decode(key: string, body: Uint8Array, kind: 'Cluster' | 'InstanceGroup'): Cluster | InstanceGroup {
  const docs = parseStoredText(Buffer.from(body).toString('utf8'), key);
  const doc = docs[0];
  if (docs.length !== 1 || doc?.kind !== kind) {
    throw new HoistError('STORE', `${key} in the state store does not hold one ${kind}`, {
      hint: 'restore it from history (hoist history cluster, hoist rollback cluster --to REV)',
    });
  }
  return doc.object;
}
