/**
 * The addon applier as a process (`hoist addons-applier --conf /etc/hoist/addons.json`, run by
 * hoist-addons.service): reads its configuration, opens the state store with the machine's
 * identity, loads the admin kubeconfig (the files it names mapped into the machine's root on a
 * local cloud instance) and runs passes until told to stop (SIGTERM from systemd, or the local
 * cloud's supervisor going away: it watches its IPC channel so that it never outlives the
 * machine that started it). On the way out it gives up its Lease, so that another control-plane
 * machine takes over at once.
 */

import { readFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { openStore } from '../../state-store/open.js';
import { storeProxyOption } from '../http-proxy.js';
import { hostPath } from '../context.js';
import { AddonApplier } from './applier.js';
import type { AddonsServiceConfig } from './service.js';
import { onServiceStop } from '../services/stop-signal.js';

export interface AddonsServiceOptions {
  /** The configuration file, a host path. */
  readonly conf: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
}

async function readConfig(path: string): Promise<AddonsServiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new HoistError('NOT_FOUND', `--conf ${path}: cannot read the addon applier's configuration (${e instanceof Error ? e.message : String(e)})`, { hint: 'nodeup writes it on control-plane machines: /etc/hoist/addons.json' });
  }
  const c = JSON.parse(text) as Partial<AddonsServiceConfig>;
  for (const field of ['cluster', 'instanceId', 'stateStore', 'kubeconfig'] as const) {
    if (typeof c[field] !== 'string') throw new HoistError('INVALID_SPEC', `--conf ${path}: ${field} is missing: not an addon applier configuration (nodeup writes one with cluster, instanceId, stateStore and kubeconfig)`);
  }
  return c as AddonsServiceConfig;
}

const PATH_FIELDS = ['certificate-authority', 'client-certificate', 'client-key'];

/** The kubeconfig with the node paths it names mapped into `root`. */
export async function loadNodeKubeconfig(root: string, path: string): Promise<KubeConfig> {
  const config = parse(await readFile(hostPath(root, path), 'utf8')) as Record<string, { cluster?: Record<string, string>; user?: Record<string, string> }[] | undefined>;
  for (const entry of [...(config.clusters ?? []), ...(config.users ?? [])]) {
    for (const body of [entry.cluster, entry.user]) {
      for (const field of PATH_FIELDS) if (body?.[field] !== undefined) body[field] = hostPath(root, body[field]);
    }
  }
  const kc = new KubeConfig();
  kc.loadFromString(stringify(config));
  return kc;
}

export async function runAddonsService(opts: AddonsServiceOptions): Promise<number> {
  const config = await readConfig(opts.conf);
  const root = opts.env.HOIST_NODE_ROOT ?? '/';
  const store = await openStore(config.stateStore, { env: opts.env, events: opts.events, source: `${opts.conf} stateStore`, ...storeProxyOption() });
  const kube = await loadNodeKubeconfig(root, config.kubeconfig);
  const applier = new AddonApplier({ cluster: config.cluster, instanceId: config.instanceId, store, kube, events: opts.events });
  opts.events({ level: 'info', code: 'addons.service', message: `applying the addons of ${config.cluster}'s channel as ${config.instanceId} (one control-plane machine at a time)` });
  const loop = applier.start();
  await new Promise<void>((resolve) => onServiceStop(resolve));
  await loop.stop();
  store.close?.();
  opts.events({ level: 'info', code: 'addons.service', message: 'stopped' });
  return 0;
}
