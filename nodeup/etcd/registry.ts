/**
 * Membership without DNS: each etcd member publishes where it serves (its peer and client
 * URLs) in the state store, under its own key, and everyone who needs the cluster (the other
 * members, the API server, hoist's own etcd commands) reads them there. A marker records that
 * an etcd cluster was bootstrapped, so that a member with an empty volume never starts a new
 * cluster over one that exists.
 */

import type { ObjectStore } from '../../state-store/object-store.js';

export interface PublishedMember {
  readonly etcdCluster: string;
  readonly member: string;
  readonly instanceId: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
  readonly updatedAt: string;
}

export interface BootstrapRecord {
  readonly etcdCluster: string;
  /** The member that started the cluster with `--initial-cluster-state new`. */
  readonly member: string;
  readonly at: string;
}

export const etcdStatusPrefix = (cluster: string, etcd: string): string => `${cluster}/status/etcd/${etcd}/`;
/** One member's own key: a cloud policy can let a machine write its member's record only. */
export const memberKey = (cluster: string, etcd: string, member: string): string => `${etcdStatusPrefix(cluster, etcd)}members/${member}.json`;
export const bootstrapKey = (cluster: string, etcd: string): string => `${etcdStatusPrefix(cluster, etcd)}bootstrapped.json`;

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

export async function publishMember(store: ObjectStore, cluster: string, m: PublishedMember): Promise<void> {
  await store.put(memberKey(cluster, m.etcdCluster, m.member), json(m));
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const found = await store.get(key);
  if (found === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(found.body).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Every published member of one etcd cluster, by member name; unreadable records are skipped. */
export async function readMembers(store: ObjectStore, cluster: string, etcd: string): Promise<Map<string, PublishedMember>> {
  const keys = (await store.list(`${etcdStatusPrefix(cluster, etcd)}members/`)).filter((k) => k.endsWith('.json'));
  const found = await Promise.all(keys.map((k) => readJson<PublishedMember>(store, k)));
  return new Map(found.filter((m): m is PublishedMember => m !== undefined && typeof m.member === 'string').map((m) => [m.member, m]));
}

export function readBootstrap(store: ObjectStore, cluster: string, etcd: string): Promise<BootstrapRecord | undefined> {
  return readJson<BootstrapRecord>(store, bootstrapKey(cluster, etcd));
}

/** Written once; a second bootstrap of the same cluster would be refused (If-None-Match). */
export async function recordBootstrap(store: ObjectStore, cluster: string, b: BootstrapRecord): Promise<void> {
  if ((await readBootstrap(store, cluster, b.etcdCluster)) !== undefined) return;
  await store.put(bootstrapKey(cluster, b.etcdCluster), json(b), { ifNoneMatch: '*' });
}

/**
 * A member removed from its cluster stops being published, so that nobody (a joining member,
 * the API server, hoist's own commands) asks it again; a missing record is no error.
 */
export async function unpublishMember(store: ObjectStore, cluster: string, etcd: string, member: string): Promise<void> {
  await store.delete(memberKey(cluster, etcd, member));
}
