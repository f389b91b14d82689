/**
 * Where an APIServer machine's API server finds etcd: it runs no member, so it asks the state
 * store, where the control plane's members publish their client URLs (registry.ts), as hoist's
 * own etcd commands do. Read before the node model is built (the URLs go into the API server's
 * flags), and again by the machine's follower service (./follow.ts), which rewrites the flags
 * when the control plane's machines are replaced.
 */

import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { NodeupConfig } from '../config/schema.js';
import { readMembers } from './registry.js';

export interface RemoteEtcdOptions {
  /** How long to wait for a cluster's first member; machines boot together, the control plane's may be later. */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * The client URLs of every published member of each etcd cluster nodeup.yaml's remoteEtcd names,
 * sorted. Waits until each cluster has a member; refuses after the timeout, naming the cluster.
 */
export async function remoteEtcdServers(store: ObjectStore, config: NodeupConfig, events: EventSink, opts: RemoteEtcdOptions = {}): Promise<Map<string, string[]>> {
  const wanted = config.controlPlane?.remoteEtcd ?? [];
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const found = new Map<string, string[]>();
  for (let told = false; ; told = true) {
    for (const e of wanted) {
      if (found.has(e.name)) continue;
      const urls = await publishedClientUrls(store, config.cluster, e.name);
      if (urls.length > 0) found.set(e.name, urls);
    }
    const missing = wanted.filter((e) => !found.has(e.name)).map((e) => e.name);
    if (missing.length === 0) return found;
    if (Date.now() >= deadline) {
      throw new HoistError('NOT_FOUND', `no member of etcd cluster ${missing.join(', ')} of ${config.cluster} has published where it serves`, {
        hint: 'the control plane publishes its etcd members once they start: hoist validate cluster shows whether it is up; nodeup tries again',
      });
    }
    if (!told) {
      events({ level: 'info', code: 'nodeup.etcd-wait', message: `nodeup: waiting for the control plane's etcd (${missing.join(', ')}) to publish its members`, data: { etcdClusters: missing } });
    }
    await sleep(opts.pollMs ?? 1_000);
  }
}

/**
 * The client URLs the members of etcd cluster `etcd` published, sorted. A record without a
 * usable URL (damaged, or written by hand) is passed over: it would put an empty or broken entry
 * in the API server's flags, and commas and semicolons separate their entries.
 */
export async function publishedClientUrls(store: ObjectStore, cluster: string, etcd: string): Promise<string[]> {
  const urls: unknown[] = [...(await readMembers(store, cluster, etcd)).values()].map((m) => m.clientUrl);
  return urls.filter((u): u is string => typeof u === 'string' && /^https?:\/\/[^\s,;]+$/.test(u)).sort();
}

/** The API server's etcd flags: `--etcd-servers` and `--etcd-servers-overrides`, unset when empty. */
export interface EtcdServerFlags {
  readonly servers?: string;
  readonly overrides?: string;
}

/**
 * An APIServer machine's etcd flags from the members' client URLs: etcd main's (else the first
 * cluster's) in `--etcd-servers`, events' in `--etcd-servers-overrides`, every member listed so
 * that one member's loss does not stop the API server. The node model and the follower service
 * both write them with this, so that neither sees a change where the other wrote the same set.
 */
export function remoteEtcdFlags(names: readonly string[], servers: ReadonlyMap<string, readonly string[]> | undefined): EtcdServerFlags {
  const urls = (name: string) => {
    const list = servers?.get(name);
    return list === undefined || list.length === 0 ? undefined : list;
  };
  const main = names.includes('main') ? 'main' : names[0];
  const mainUrls = main === undefined ? undefined : urls(main);
  const eventUrls = names.includes('events') ? urls('events') : undefined;
  return {
    ...(mainUrls === undefined ? {} : { servers: mainUrls.join(',') }),
    // The override's servers are separated by semicolons: commas separate the overrides.
    ...(eventUrls === undefined ? {} : { overrides: `/events#${eventUrls.join(';')}` }),
  };
}
