/**
 * How a member comes up, decided before etcd starts (etcd reads `--initial-cluster*` only when
 * its data dir holds no member yet):
 *
 * - data on its volume: it is that member already (`existing`). A member whose address changed
 *   (a replacement machine) has its peer URL updated through the running members first, or,
 *   when no quorum answers without it (one member), right after it starts.
 * - no data, and the cluster answers: it joins with `member add` before it starts (`existing`);
 *   a stale entry of its own name (a lost volume) is removed first. One member joins at a time:
 *   a new member is added only when every member has started, answers and has caught up with
 *   the leader (membership.ts), so a control plane grown from 1 to 3 adds its members in turn.
 * - no data, nobody answers, the cluster was never bootstrapped, and it is the first member of
 *   the spec: it starts the cluster alone (`new`); the others join it.
 * - no data, nobody answers, but the cluster was bootstrapped: it waits, and refuses to start a
 *   new cluster over one whose data may still exist.
 */

import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { EtcdCredentials } from './client.js';
import { memberList, onFirst } from './client.js';
import { membershipBlocker } from './membership.js';
import type { BootstrapRecord, PublishedMember } from './registry.js';

export interface JoinInput {
  readonly etcdCluster: string;
  readonly member: string;
  readonly peerUrl: string;
  /** Member names of the spec, in order: the first bootstraps a new cluster. */
  readonly specMembers: readonly string[];
  readonly hasData: boolean;
  readonly creds: EtcdCredentials;
  /** Read again on every attempt: members publish as they come up. */
  readonly published: () => Promise<ReadonlyMap<string, PublishedMember>>;
  readonly bootstrap: () => Promise<BootstrapRecord | undefined>;
  readonly events: EventSink;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface JoinPlan {
  readonly initialState: 'new' | 'existing';
  readonly initialCluster: string;
  /** This member starts a new cluster: record it once it serves. */
  readonly bootstraps: boolean;
  /** The peer URL could not be updated before the start (no quorum without this member). */
  readonly updateAfterStart: boolean;
}

const POLL_MS = 1_000;
const msg = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e));

export async function planJoin(input: JoinInput): Promise<JoinPlan> {
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const self = `${input.member}=${input.peerUrl}`;
  const deadline = Date.now() + input.timeoutMs;
  let why = '';
  for (let attempt = 0; ; attempt++) {
    const published = await input.published();
    const others = [...published.values()].filter((m) => m.member !== input.member).map((m) => m.clientUrl);
    const answer = others.length === 0 ? undefined : await tryJoin(input, others, published).catch((e: unknown) => {
      why = msg(e);
      return undefined;
    });
    if (answer !== undefined) return answer;
    if (input.hasData) {
      // Nobody else answers (one member, or all restarting): start on our data and fix the peer URL after.
      return { initialState: 'existing', initialCluster: self, bootstraps: false, updateAfterStart: true };
    }
    const boot = await input.bootstrap();
    if (boot === undefined && input.specMembers[0] === input.member) {
      return { initialState: 'new', initialCluster: self, bootstraps: true, updateAfterStart: false };
    }
    if (Date.now() >= deadline) {
      const state = boot === undefined ? `waits for member ${input.specMembers[0] ?? '?'} to start it` : `was started by member ${boot.member} at ${boot.at}`;
      throw new HoistError('ABORTED', `etcd ${input.etcdCluster}: member ${input.member} has no data and no member of the cluster answers (the cluster ${state})${why ? `; last error: ${why}` : ''}; it does not start a new cluster over one that exists`, {
        hint: 'bring up the other members (hoist get instances shows them), or restore the cluster from a backup',
      });
    }
    if (attempt % 10 === 0) input.events({ level: 'info', code: 'etcd.waiting', message: `etcd ${input.etcdCluster}: member ${input.member} waits for the cluster to answer${why ? ` (${why})` : ''}`, data: { etcdCluster: input.etcdCluster, member: input.member } });
    await sleep(POLL_MS);
  }
}

/** Joins or updates through the running members; undefined when they do not answer. */
async function tryJoin(input: JoinInput, urls: readonly string[], published: ReadonlyMap<string, PublishedMember>): Promise<JoinPlan | undefined> {
  const members = await memberList(urls, input.creds);
  const mine = members.find((m) => m.name === input.member) ?? members.find((m) => m.peerURLs.includes(input.peerUrl));
  if (input.hasData) {
    if (mine !== undefined && !(mine.peerURLs.length === 1 && mine.peerURLs[0] === input.peerUrl)) {
      await onFirst(urls, input.creds, (c) => c.cluster.memberUpdate({ ID: mine.ID, peerURLs: [input.peerUrl] }));
      input.events({ level: 'info', code: 'etcd.member-updated', message: `etcd ${input.etcdCluster}: member ${input.member} now serves its peers at ${input.peerUrl} (was ${mine.peerURLs.join(', ')})`, data: { id: mine.ID } });
    }
    return { initialState: 'existing', initialCluster: `${input.member}=${input.peerUrl}`, bootstraps: false, updateAfterStart: mine === undefined };
  }
  let current = members;
  const startedAsMe = mine !== undefined && mine.name === input.member;
  if (startedAsMe) {
    // Its volume lost the data it had: the old identity goes, and the member joins anew.
    await onFirst(urls, input.creds, (c) => c.cluster.memberRemove({ ID: mine.ID }));
    input.events({ level: 'warn', code: 'etcd.member-replaced', message: `etcd ${input.etcdCluster}: member ${input.member} has no data on its volume; its old entry ${mine.ID} was removed and it joins again`, data: { id: mine.ID } });
  }
  if (mine === undefined) {
    // Growing: one member at a time, each started and caught up before the next is added.
    const blocker = await membershipBlocker(urls, input.creds);
    if (blocker !== undefined) throw new Error(`another membership change is not done: ${blocker}`);
  }
  if (mine === undefined || startedAsMe) {
    const added = await onFirst(urls, input.creds, (c) => c.cluster.memberAdd({ peerURLs: [input.peerUrl] }));
    current = added.members ?? [];
    input.events({ level: 'info', code: 'etcd.member-added', message: `etcd ${input.etcdCluster}: added member ${input.member} (${added.member.ID}) at ${input.peerUrl}`, data: { id: added.member.ID } });
  }
  const byPeer = new Map([...published.values()].map((p) => [p.peerUrl, p.member]));
  const initial = current.flatMap((m) => {
    const name = m.name || (m.peerURLs.includes(input.peerUrl) ? input.member : byPeer.get(m.peerURLs[0] ?? ''));
    return name === undefined ? [] : m.peerURLs.map((u) => `${name}=${u}`);
  });
  return { initialState: 'existing', initialCluster: initial.join(','), bootstraps: false, updateAfterStart: false };
}
