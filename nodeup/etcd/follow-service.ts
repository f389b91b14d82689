/**
 * The follower service of an APIServer machine (./follow.ts): how nodeup installs it (its
 * configuration `/etc/hoist/apiserver-etcd-servers.json` and the unit
 * `kube-apiserver-etcd-servers.service`, which runs the nodeup bundle as the other node services
 * do), and the process the unit runs: a pass at start, then one every 30 s, until stopped.
 */

import { readFile } from 'node:fs/promises';
import type { Task } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { openStore } from '../../state-store/open.js';
import { storeProxyOption } from '../http-proxy.js';
import type { ModelInput } from '../model/types.js';
import { MANIFEST_DIR, PKI_DIR, after, caPath, file, hashOf } from '../model/types.js';
import { bundleServiceProxy } from '../model/egress-proxy.js';
import { bundleServiceUnit } from '../services/bundle-unit.js';
import { onServiceStop } from '../services/stop-signal.js';
import { serviceTask } from '../tasks/service.js';
import type { EtcdFollowConfig } from './follow.js';
import { FOLLOW_INTERVAL_MS, FOLLOW_SERVICE_CONF, FOLLOW_SERVICE_UNIT, followEtcdMembers } from './follow.js';

export const API_SERVER_MANIFEST = `${MANIFEST_DIR}/kube-apiserver.yaml`;

export function followServiceUnit(conf: string, environmentFile?: string): string {
  return bundleServiceUnit({ description: "keeps the API server's --etcd-servers on the control plane's published etcd members", after: ['kubelet.service'], command: 'apiserver-etcd-servers', conf, ...(environmentFile === undefined ? {} : { environmentFile }) });
}

/** On an APIServer machine: the configuration and the unit, started once the API server's manifest is written. */
export function followServiceTasks(input: ModelInput): Task[] {
  const remote = input.config.controlPlane?.remoteEtcd ?? [];
  if (input.config.role !== 'APIServer' || remote.length === 0) return [];
  const config: EtcdFollowConfig = {
    cluster: input.config.cluster,
    stateStore: input.config.stateStore,
    manifest: API_SERVER_MANIFEST,
    etcdClusters: remote.map((e) => e.name),
    ca: caPath('etcd-clients-ca'),
    // The API server's own etcd client pair (../model/control-plane.ts).
    certificate: `${PKI_DIR}/apiserver-etcd-client.crt`,
    key: `${PKI_DIR}/apiserver-etcd-client.key`,
  };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const conf = file(FOLLOW_SERVICE_CONF, text);
  const proxy = bundleServiceProxy(input.config);
  const service = serviceTask(
    FOLLOW_SERVICE_UNIT,
    { unit: followServiceUnit(FOLLOW_SERVICE_CONF, proxy.environmentFile), enabled: true, running: true, restartOn: hashOf(text, ...proxy.restartOn) },
    after([`File/${FOLLOW_SERVICE_CONF}`, `File/${API_SERVER_MANIFEST}`, ...proxy.dependsOn]),
  );
  return [conf, service];
}

export async function readFollowConfig(path: string): Promise<EtcdFollowConfig> {
  let c: Partial<Record<keyof EtcdFollowConfig, unknown>>;
  try {
    c = JSON.parse(await readFile(path, 'utf8')) as typeof c;
  } catch (e) {
    throw new HoistError('NOT_FOUND', `--conf ${path}: cannot read the follower's configuration (${e instanceof Error ? e.message : String(e)})`, { hint: `nodeup writes it on APIServer machines: ${FOLLOW_SERVICE_CONF}` });
  }
  for (const field of ['cluster', 'stateStore', 'manifest', 'ca', 'certificate', 'key'] as const) {
    if (typeof c[field] !== 'string') throw new HoistError('INVALID_SPEC', `--conf ${path}: ${field} is ${JSON.stringify(c[field])}, not a string (nodeup writes the file; run nodeup again to rewrite it)`);
  }
  if (!Array.isArray(c.etcdClusters) || !c.etcdClusters.every((n) => typeof n === 'string')) {
    throw new HoistError('INVALID_SPEC', `--conf ${path}: etcdClusters is ${JSON.stringify(c.etcdClusters)}, not a list of etcd cluster names (e.g. ["main", "events"])`);
  }
  return c as EtcdFollowConfig;
}

export interface FollowServiceOptions {
  /** The configuration file, a host path. */
  readonly conf: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
  readonly intervalMs?: number;
}

/** Runs passes until stopped; a failed pass is reported, and the next comes as usual. */
export async function runFollowService(opts: FollowServiceOptions): Promise<number> {
  const config = await readFollowConfig(opts.conf);
  const store = await openStore(config.stateStore, { env: opts.env, events: opts.events, source: `${opts.conf} stateStore`, ...storeProxyOption() });
  let stopped = false;
  let wake = () => undefined as void;
  onServiceStop(() => {
    stopped = true;
    wake();
  });
  opts.events({ level: 'info', code: 'etcd.follow', message: `following the published members of etcd ${config.etcdClusters.join(', ')} of ${config.cluster} for ${config.manifest}` });
  // Said once per new reason, not every pass: a member that stays down would fill the log.
  let lastSaid = '';
  try {
    while (!stopped) {
      try {
        const outcome = await followEtcdMembers({ config, store, root: opts.env.HOIST_NODE_ROOT ?? '/', events: opts.events });
        const said = outcome.action === 'kept' ? outcome.reason : '';
        if (said !== '' && said !== lastSaid) opts.events({ level: 'warn', code: 'etcd.follow.kept', message: `${said}: the API server keeps --etcd-servers=${outcome.flags.servers ?? ''}` });
        lastSaid = said;
      } catch (e) {
        opts.events({ level: 'error', code: 'etcd.follow.failed', message: `pass failed (next in ${(opts.intervalMs ?? FOLLOW_INTERVAL_MS) / 1000} s): ${e instanceof Error ? e.message : String(e)}` });
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.intervalMs ?? FOLLOW_INTERVAL_MS);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    store.close?.();
  }
  opts.events({ level: 'info', code: 'etcd.follow', message: 'stopped' });
  return 0;
}
