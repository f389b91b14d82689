/**
 * Where an APIServer machine's API server finds etcd: it runs no member, so it asks the state
 * store, where the control plane's members publish their client URLs (registry.ts), as hoist's
 * own etcd commands do. Read once, before the node model is built: the URLs go into the API
 * server's flags.
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
      const urls = [...(await readMembers(store, config.cluster, e.name)).values()].map((m) => m.clientUrl).sort();
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
