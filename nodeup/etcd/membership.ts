/**
 * Changing an etcd cluster's membership without losing quorum, as etcd-manager and etcdadm do:
 *
 * - a member is added only while every member of the cluster has started, answers, agrees on
 *   one leader and has caught up with it: growing 1 → 3 adds one member, waits for it to serve
 *   and catch up, then adds the next (etcd itself also refuses an add that would leave the
 *   started members without quorum);
 * - a member that leaves the spec is removed with `member remove` while the cluster is healthy,
 *   one at a time, the leader last and only after leadership moved to a member that stays.
 */

import type { IMember, IStatusResponse } from 'etcd3';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { EtcdCredentials } from './client.js';
import { memberList, onFirst, withClient } from './client.js';

/** Raft entries a member may trail the leader by and still count as caught up. */
const CAUGHT_UP_ENTRIES = 100n;
const POLL_MS = 500;

const msg = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e));
const hexId = (id: string) => BigInt(id).toString(16);
const label = (m: IMember) => m.name || hexId(m.ID);

type Answer = { readonly m: IMember; readonly s: IStatusResponse } | { readonly m: IMember; readonly error: string };

/**
 * Undefined when the membership may change now; else why not, in one line. Asks every member
 * the cluster lists (found through any of `urls`).
 */
export async function membershipBlocker(urls: readonly string[], creds: EtcdCredentials, leaving: (m: IMember) => boolean = () => false): Promise<string | undefined> {
  // A member that is about to be removed need not answer: etcd itself refuses a removal that
  // would leave fewer started members than a quorum.
  const members = (await memberList(urls, creds)).filter((m) => !leaving(m));
  const unstarted = members.filter((m) => m.name === '' || m.clientURLs.length === 0);
  if (unstarted.length > 0) return `member ${unstarted.map((m) => `${hexId(m.ID)} (${m.peerURLs.join(', ')})`).join(', ')} was added and has not started yet`;
  const answers = await Promise.all(
    members.map(async (m): Promise<Answer> => {
      try {
        return { m, s: await withClient([m.clientURLs[0] ?? ''], creds, (c) => c.maintenance.status()) };
      } catch (e) {
        return { m, error: msg(e) };
      }
    }),
  );
  const down = answers.flatMap((a) => ('error' in a ? [`${label(a.m)} (${a.error})`] : []));
  if (down.length > 0) return `${down.length} of ${members.length} members do not answer: ${down.join('; ')}`;
  const up = answers.flatMap((a) => ('s' in a ? [a] : []));
  const leaders = new Set(up.map((a) => a.s.leader));
  const [leader] = [...leaders];
  if (leaders.size !== 1 || leader === undefined || leader === '0') return `the members do not agree on one leader (${[...leaders].map(hexId).join(', ') || 'none'})`;
  const head = up.find((a) => a.m.ID === leader);
  // A leader that is leaving still leads: the others must have caught up with it.
  const committed = head === undefined ? up.reduce((n, a) => (BigInt(a.s.raftIndex) > n ? BigInt(a.s.raftIndex) : n), 0n) : BigInt(head.s.raftIndex);
  // raftAppliedIndex is 0 from an etcd before 3.4: the committed index is the nearest there is.
  const applied = (s: IStatusResponse) => BigInt(s.raftAppliedIndex === '0' || s.raftAppliedIndex === '' ? s.raftIndex : s.raftAppliedIndex);
  const behind = up.filter((a) => committed - applied(a.s) > CAUGHT_UP_ENTRIES);
  if (behind.length > 0) return `${behind.map((a) => `${label(a.m)} (applied ${applied(a.s)} of ${committed})`).join(', ')} has not caught up with the leader yet`;
  return undefined;
}

export interface RemoveInput {
  readonly etcdCluster: string;
  /** The members of the spec: every other member of the cluster leaves. */
  readonly keep: readonly string[];
  /** Client URLs to reach the cluster through (what the members published). */
  readonly urls: readonly string[];
  readonly creds: EtcdCredentials;
  readonly events: EventSink;
  /** How long to wait for the cluster to be healthy before each removal. */
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Removes every member that is not in `keep`, one at a time; returns the names removed. */
export async function removeLeavingMembers(input: RemoveInput): Promise<string[]> {
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const say = (code: string, message: string, data: Record<string, unknown> = {}) => input.events({ level: 'info', code, message: `etcd ${input.etcdCluster}: ${message}`, data: { etcdCluster: input.etcdCluster, ...data } });
  const removed: string[] = [];
  for (;;) {
    const members = await memberList(input.urls, input.creds);
    const staying = members.filter((m) => input.keep.includes(m.name));
    // An added member that never started has no name yet: it is not one of the spec's, so it leaves too.
    const leaving = members.filter((m) => !input.keep.includes(m.name));
    if (leaving.length === 0) return removed;
    if (staying.length === 0) {
      throw new HoistError('ABORTED', `etcd ${input.etcdCluster}: none of the spec's members (${input.keep.join(', ')}) is a member of the running cluster (${members.map(label).join(', ')}), so removing the others would leave no member`, {
        hint: 'hoist etcd status shows the members; put a running member back into spec.etcdClusters[].etcdMembers',
      });
    }
    const stayingUrls = staying.flatMap((m) => m.clientURLs);
    await waitReady(input, stayingUrls.length > 0 ? stayingUrls : input.urls, sleep, `before removing ${leaving.map(label).join(', ')}`);
    const leader = await leaderOf(stayingUrls.length > 0 ? stayingUrls : input.urls, input.creds);
    const next = leaving.find((m) => m.ID !== leader);
    if (next === undefined) {
      // Only the leader leaves: hand leadership to a member that stays before it goes.
      const target = staying[0]!;
      const from = leaving.find((m) => m.ID === leader)!;
      await withClient([from.clientURLs[0] ?? ''], input.creds, (c) => c.maintenance.moveLeader({ targetID: target.ID }));
      say('etcd.leader-moved', `leadership moved from ${label(from)} to ${label(target)}, which stays`, { from: label(from), to: label(target) });
      continue;
    }
    await onFirst(stayingUrls, input.creds, (c) => c.cluster.memberRemove({ ID: next.ID }));
    removed.push(label(next));
    say('etcd.member-removed', `removed member ${label(next)} (${hexId(next.ID)}); ${members.length - 1} member(s) remain`, { member: label(next), id: hexId(next.ID) });
  }
}

async function leaderOf(urls: readonly string[], creds: EtcdCredentials): Promise<string> {
  return onFirst(urls, creds, async (c) => (await c.maintenance.status()).leader);
}

async function waitReady(input: RemoveInput, urls: readonly string[], sleep: (ms: number) => Promise<void>, when: string): Promise<void> {
  const deadline = Date.now() + input.timeoutMs;
  for (;;) {
    const why = await membershipBlocker(urls, input.creds, (m) => !input.keep.includes(m.name)).catch((e: unknown) => `no member answers: ${msg(e)}`);
    if (why === undefined) return;
    if (Date.now() >= deadline) {
      throw new HoistError('ABORTED', `etcd ${input.etcdCluster}: the cluster was not healthy ${when} within ${Math.round(input.timeoutMs / 1000)} s: ${why}; no member was removed while quorum needed it`, {
        hint: 'hoist etcd status shows each member; bring the missing members back, then run hoist update cluster --yes again',
      });
    }
    await sleep(POLL_MS);
  }
}
