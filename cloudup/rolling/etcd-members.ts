/**
 * Shrinking the control plane: before `update cluster --yes` deletes the machines of etcd
 * members that left the spec, those members leave their etcd clusters (`member remove`, one at
 * a time, the leader last after leadership moved to a member that stays), so that stopping
 * their machines never costs quorum. Their volumes are kept: a reconcile never deletes an etcd
 * member's volume (docs/etcd.md says how to delete them).
 *
 * Who leaves is read from the state store (the members that published their addresses and are
 * not in the spec), so nothing asks etcd when no member leaves.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { removeLeavingMembers } from '../../nodeup/etcd/membership.js';
import { readMembers, unpublishMember } from '../../nodeup/etcd/registry.js';
import { operatorCredentials } from '../../nodeup/etcd/status.js';

export interface LeavingMember {
  readonly etcdCluster: string;
  readonly member: string;
}

const HEALTHY_TIMEOUT_MS = 5 * 60_000;

/** The published members that the spec no longer has, per etcd cluster. */
export async function leavingMembers(store: ObjectStore, completed: CompletedSpec): Promise<LeavingMember[]> {
  const cluster = completed.cluster.metadata.name;
  const found = await Promise.all(
    completed.cluster.spec.etcdClusters.map(async (e) => {
      const keep = new Set(e.etcdMembers.map((m) => m.name));
      const published = await readMembers(store, cluster, e.name);
      return [...published.keys()].filter((name) => !keep.has(name)).map((member) => ({ etcdCluster: e.name, member }));
    }),
  );
  return found.flat();
}

/**
 * Removes the leaving members from their etcd clusters and stops publishing them; returns who
 * left. Throws (and removes no further member) when a cluster is not healthy in time.
 */
export async function removeLeavingEtcdMembers(store: ObjectStore, completed: CompletedSpec, events: EventSink, timeoutMs = HEALTHY_TIMEOUT_MS): Promise<LeavingMember[]> {
  const leaving = await leavingMembers(store, completed);
  if (leaving.length === 0) return [];
  const cluster = completed.cluster.metadata.name;
  const creds = await operatorCredentials(store, cluster);
  for (const e of completed.cluster.spec.etcdClusters) {
    const mine = leaving.filter((l) => l.etcdCluster === e.name);
    if (mine.length === 0) continue;
    const published = await readMembers(store, cluster, e.name);
    const keep = e.etcdMembers.map((m) => m.name);
    // Ask the members that stay first: a leaving one may already be gone.
    const urls = [...published.values()].sort((a, b) => Number(keep.includes(b.member)) - Number(keep.includes(a.member))).map((m) => m.clientUrl);
    await removeLeavingMembers({ etcdCluster: e.name, keep, urls, creds, events, timeoutMs });
    for (const l of mine) await unpublishMember(store, cluster, e.name, l.member);
  }
  return leaving;
}
