/**
 * Talking to an etcd cluster over TLS with a client certificate, through the etcd3 client:
 * one client per member URL (a status answers for the member that was asked), member list,
 * add, update and remove, and the cluster's health as `hoist etcd status`, a rolling update and
 * nodeup see it: every member answers, and they agree on one leader.
 */

import { noop } from 'cockatiel';
import type * as Etcd3Module from 'etcd3';
import type { Etcd3, IMember } from 'etcd3';

export interface EtcdCredentials {
  /** PEM: the etcd-clients-ca bundle, the client certificate and its key. */
  readonly ca: string;
  readonly certificate: string;
  readonly key: string;
}

const CALL_MS = 3_000;

/**
 * Loaded on first use: the client reads its gRPC definitions from files at load, which a
 * machine that runs no etcd member need not have.
 */
export async function etcdClient(urls: readonly string[], creds: EtcdCredentials): Promise<Etcd3> {
  // A CommonJS package: bundled, its exports sit under `default`.
  const mod = (await import('etcd3')) as typeof Etcd3Module & { readonly default?: typeof Etcd3Module };
  const Client = mod.default?.Etcd3 ?? mod.Etcd3;
  return new Client({
    hosts: [...urls],
    credentials: { rootCertificate: Buffer.from(creds.ca), certChain: Buffer.from(creds.certificate), privateKey: Buffer.from(creds.key) },
    // One attempt per call: callers poll, and a member that is down must not stall them.
    faultHandling: { global: noop, host: () => noop },
    defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + CALL_MS }),
    dialTimeout: CALL_MS,
  });
}

/** Runs `fn` with a client of `urls`, closing it on every path. */
export async function withClient<T>(urls: readonly string[], creds: EtcdCredentials, fn: (c: Etcd3) => Promise<T>): Promise<T> {
  const client = await etcdClient(urls, creds);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export interface MemberStatus {
  readonly url: string;
  /** Decimal member ID, as etcd3 gives it. */
  readonly id?: string;
  readonly leader?: string;
  readonly revision?: string;
  readonly dbSize?: number;
  readonly version?: string;
  readonly error?: string;
}

export async function memberStatus(url: string, creds: EtcdCredentials): Promise<MemberStatus> {
  try {
    const s = await withClient([url], creds, (c) => c.maintenance.status());
    return { url, id: s.header.member_id, leader: s.leader, revision: s.header.revision, dbSize: Number(s.dbSize), version: s.version };
  } catch (e) {
    return { url, error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

/** The member list, from the first of `urls` that answers (with quorum: linearizable). */
export async function memberList(urls: readonly string[], creds: EtcdCredentials): Promise<IMember[]> {
  return onFirst(urls, creds, async (c) => (await c.cluster.memberList({ linearizable: true })).members ?? []);
}

/**
 * Runs `fn` against each URL in turn until one answers: one client over several hosts would
 * pick a host at random, and a member that is down would fail the call.
 */
export async function onFirst<T>(urls: readonly string[], creds: EtcdCredentials, fn: (c: Etcd3) => Promise<T>): Promise<T> {
  let last: unknown = new Error('no address to ask');
  for (const url of urls) {
    try {
      return await withClient([url], creds, fn);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

export interface ClusterHealth {
  readonly healthy: boolean;
  /** Why not, in one line. */
  readonly problem?: string;
  readonly members: readonly IMember[];
  readonly statuses: ReadonlyMap<string, MemberStatus>;
  readonly leader?: string;
}

/**
 * Asks every member that the cluster lists (found through any of `urls`): healthy when each
 * answers and all name the same leader.
 */
export async function clusterHealth(urls: readonly string[], creds: EtcdCredentials): Promise<ClusterHealth> {
  let members: IMember[];
  try {
    members = await memberList(urls, creds);
  } catch (e) {
    return { healthy: false, problem: `no member answers at ${urls.join(', ') || '(no address published)'}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, members: [], statuses: new Map() };
  }
  const statuses = new Map<string, MemberStatus>();
  await Promise.all(
    members.map(async (m) => {
      const url = m.clientURLs[0];
      statuses.set(m.ID, url === undefined ? { url: '', error: 'not started' } : await memberStatus(url, creds));
    }),
  );
  const down = members.filter((m) => statuses.get(m.ID)?.error !== undefined);
  const leaders = new Set([...statuses.values()].filter((s) => s.error === undefined).map((s) => s.leader));
  const [leader] = [...leaders];
  const problem =
    down.length > 0
      ? `${down.length} of ${members.length} members do not answer: ${down.map((m) => `${m.name || m.ID} (${statuses.get(m.ID)?.error ?? ''})`).join('; ')}`
      : leaders.size !== 1 || leader === undefined || leader === '0'
        ? `the members do not agree on one leader (${[...leaders].join(', ') || 'none'})`
        : undefined;
  return { healthy: problem === undefined, ...(problem ? { problem } : {}), members, statuses, ...(leader && leader !== '0' ? { leader } : {}) };
}
