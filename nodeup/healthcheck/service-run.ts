/**
 * The API health port as a process (`hoist apiserver-healthcheck --conf
 * /etc/hoist/apiserver-healthcheck.json`, run by kube-apiserver-healthcheck.service): reads its
 * configuration, serves until told to stop (SIGTERM from systemd, or the local cloud's
 * supervisor going away: it watches its IPC channel so that it never outlives the machine that
 * started it). The files the configuration names are mapped into the machine's root on a local
 * cloud instance.
 */

import { readFile } from 'node:fs/promises';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { hostPath } from '../context.js';
import { startHealthProxy } from './proxy.js';
import type { HealthProxy } from './proxy.js';
import type { HealthcheckServiceConfig } from './service.js';
import { onServiceStop } from '../services/stop-signal.js';

export interface HealthcheckServiceOptions {
  /** The configuration file, a host path. */
  readonly conf: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
}

const STRING_FIELDS = ['host', 'upstream', 'ca', 'certificate', 'key'] as const;

export async function readHealthcheckConfig(path: string): Promise<HealthcheckServiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new HoistError('NOT_FOUND', `--conf ${path}: cannot read the health port's configuration (${e instanceof Error ? e.message : String(e)})`, { hint: 'nodeup writes it on control-plane machines: /etc/hoist/apiserver-healthcheck.json' });
  }
  let c: Partial<Record<keyof HealthcheckServiceConfig, unknown>>;
  try {
    c = JSON.parse(text) as typeof c;
  } catch (e) {
    throw new HoistError('INVALID_SPEC', `--conf ${path}: not JSON (${e instanceof Error ? e.message : String(e)})`, { hint: 'nodeup writes it on control-plane machines; run nodeup again to rewrite it' });
  }
  for (const field of STRING_FIELDS) {
    if (typeof c[field] !== 'string') throw new HoistError('INVALID_SPEC', `--conf ${path}: ${field} is ${JSON.stringify(c[field])}, not a string: not a health port configuration (nodeup writes one with host, port, upstream, ca, certificate and key)`);
  }
  if (typeof c.port !== 'number' || !Number.isInteger(c.port) || c.port < 0 || c.port > 65535) {
    throw new HoistError('INVALID_SPEC', `--conf ${path}: port is ${JSON.stringify(c.port)}, not a TCP port (e.g. 3990)`);
  }
  return c as HealthcheckServiceConfig;
}

/** Starts serving as the configuration says; the caller closes it. */
export async function startHealthcheckService(config: HealthcheckServiceConfig, root: string, events: EventSink): Promise<HealthProxy> {
  const read = (path: string) => readFile(hostPath(root, path), 'utf8');
  const credentials = async () => {
    const [ca, certificate, key] = await Promise.all([read(config.ca), read(config.certificate), read(config.key)]);
    return { ca, certificate, key };
  };
  return startHealthProxy({ host: config.host, port: config.port, upstream: config.upstream, credentials, events });
}

export async function runHealthcheckService(opts: HealthcheckServiceOptions): Promise<number> {
  const config = await readHealthcheckConfig(opts.conf);
  const proxy = await startHealthcheckService(config, opts.env.HOIST_NODE_ROOT ?? '/', opts.events);
  opts.events({ level: 'info', code: 'healthcheck.service', message: `serving ${config.upstream}'s /readyz, /livez and /healthz on http://${config.host}:${proxy.port}` });
  await new Promise<void>((resolve) => onServiceStop(resolve));
  await proxy.close();
  opts.events({ level: 'info', code: 'healthcheck.service', message: 'stopped' });
  return 0;
}
