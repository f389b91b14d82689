/**
 * Reading the spec objects of one cluster (its Cluster and InstanceGroups) as one consistent
 * state (see spec-view.ts), decoded from the YAML they are stored as by the caller's `Decode`
 * (spec-decode.ts validates them with the spec API; a listing may trust what hoist wrote).
 */

import type { Cluster, InstanceGroup } from '../src/api/index.js';
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
  /** The latest revision's copy of `found`, when `found` is byte for byte what it wrote. */
  readonly recorded?: InstanceGroup;
}

/**
 * A stored object's bytes to the object. `recorded` is the latest completed revision's copy of
 * it, given when the object is byte for byte what that revision wrote (its ETag is the one the
 * revision recorded); its fields may be in another order than the stored YAML's.
 */
export type Decode = (
  key: string,
  body: Uint8Array,
  kind: 'Cluster' | 'InstanceGroup',
  recorded: Cluster | InstanceGroup | undefined,
) => Cluster | InstanceGroup | Promise<Cluster | InstanceGroup>;

type Get = (key: string) => Promise<StoredObject | undefined>;

/** The parts of a cluster's spec set that `want` names, all as of one state of the store. */
export function readSpecParts(store: ObjectStore, name: string, want: ReadWant, decode: Decode): Promise<ReadResult> {
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
    const configRecorded = config && isRecorded(head, overlay, configKey, config) ? head.complete?.specs.cluster : undefined;
    const [cluster, read] = await Promise.all([
      config ? (decode(configKey, config.body, 'Cluster', configRecorded) as Cluster | Promise<Cluster>) : undefined,
      Promise.all(
        groups.map(async ({ key, found, copy, recorded }) => {
          if (copy) return copy;
          return found ? { object: (await decode(key, found.body, 'InstanceGroup', recorded)) as InstanceGroup, etag: found.etag } : undefined;
        }),
      ),
    ]);
    const value: ReadResult = {
      cluster: config && cluster ? { object: cluster, etag: config.etag } : undefined,
      groups: read.filter((g): g is Versioned<InstanceGroup> => g !== undefined),
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
      const found = await get(key);
      return { key, found, ...(found && copy && isRecorded(head, overlay, key, found) ? { recorded: copy } : {}) };
    }),
  );
}

/** Whether `found` is byte for byte what the latest completed revision wrote at `key`. */
function isRecorded(head: Head, overlay: Overlay, key: string, found: StoredObject): boolean {
  return !overlay.has(key) && head.complete?.etags?.[key] === found.etag;
}
