/**
 * The local cloud daemon: one process per state folder that serves the API, supervises the
 * instances, runs the load balancers and keeps `state.json`. Started by `hoist local-cloud
 * daemon` (usually detached, by the client's auto-start); stopped by SIGTERM or SIGINT, after
 * which a new daemon on the same folder brings back the same instances and load balancers.
 */

import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { EventSink } from '../../../src/output/events.js';
import { jsonEventSink } from '../../../src/output/io.js';
import { cloudPaths } from '../files.js';
import type { DaemonInfo, Env } from '../files.js';
import { LOCAL_CLOUD_VERSION } from '../version.js';
import { CloudApi } from './api.js';
import { GroupController } from './groups.js';
import { InstanceSupervisor } from './instances.js';
import { LoadBalancerController } from './load-balancers.js';
import { acquireDaemonLock } from './lock.js';
import { registerCloud, registryDir, runningClouds, unregisterCloud } from '../registry.js';
import { createApiServer } from './server.js';
import { CloudState } from './state.js';

export interface DaemonOptions {
  readonly dir: string;
  readonly env: Env;
  readonly reconcileIntervalMs?: number;
  readonly healthIntervalMs?: number;
  /** How long terminated instances stay listed. */
  readonly terminatedRetentionMs?: number;
  /** How long an instance boots before its process starts (default 0: at once). */
  readonly bootTimeMs?: number;
}

export type DaemonOutcome = { readonly kind: 'stopped'; readonly code: number } | { readonly kind: 'already-running'; readonly pid: number };

/** Runs the daemon until a signal stops it. Resolves after a clean shutdown. */
export async function runDaemon(opts: DaemonOptions): Promise<DaemonOutcome> {
  const paths = cloudPaths(opts.dir);
  mkdirSync(paths.instances, { recursive: true });
  mkdirSync(paths.volumes, { recursive: true });
  const lock = await acquireDaemonLock(paths.daemonLock);
  if (!lock.acquired) return { kind: 'already-running', pid: lock.holderPid };

  const logFd = openSync(paths.daemonLog, 'a');
  const events: EventSink = jsonEventSink((text) => void writeSync(logFd, text));
  const startedAt = new Date().toISOString();
  let endpoint = '';
  let state: CloudState;
  try {
    state = CloudState.load(paths.state);
  } catch (e) {
    events({ level: 'error', code: 'daemon.state-unreadable', message: `cannot read ${paths.state}: ${e instanceof Error ? e.message : String(e)}; not starting` });
    closeSync(logFd);
    lock.release();
    return { kind: 'stopped', code: 1 };
  }

  // The supervisor calls the groups (declared next) only once events arrive.
  const instances = new InstanceSupervisor({
    state,
    paths,
    events,
    env: opts.env,
    endpoint: () => endpoint,
    changed: () => groups.poke(),
    died: (instance) => groups.died(instance),
    bootTimeMs: opts.bootTimeMs ?? 0,
  });
  const groups = new GroupController({ state, instances, events });
  const lbs = new LoadBalancerController({ state, events, probeTimeoutMs: 800 });
  const api = new CloudApi({ state, paths, groups, instances, lbs, startedAt, bootTimeMs: opts.bootTimeMs ?? 0, endpoint: () => endpoint, otherNetworks: () => otherClouds(opts.env, opts.dir) });
  const server = createApiServer(api, events);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;
  events({ level: 'info', code: 'daemon.started', message: `local cloud daemon ${LOCAL_CLOUD_VERSION} (pid ${process.pid}) on ${endpoint}${opts.bootTimeMs ? `; instances boot in ${opts.bootTimeMs} ms` : ''}`, data: { dir: opts.dir, bootTimeMs: opts.bootTimeMs ?? 0 } });

  await instances.recover();
  for (const lb of state.list('loadBalancers')) {
    try {
      await lbs.open(lb);
    } catch (e) {
      events({ level: 'error', code: 'lb.restore-failed', message: e instanceof Error ? e.message : String(e), data: { id: lb.id } });
    }
  }
  groups.start(opts.reconcileIntervalMs ?? 300);
  lbs.start(opts.healthIntervalMs ?? 1_000);
  const retention = opts.terminatedRetentionMs ?? 5 * 60_000;
  const purger = setInterval(() => instances.purge(retention), Math.min(retention, 30_000));

  const info: DaemonInfo = { pid: process.pid, port, endpoint, startedAt, version: LOCAL_CLOUD_VERSION };
  writeFileSync(`${paths.daemonInfo}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${paths.daemonInfo}.tmp`, paths.daemonInfo);
  // Other local clouds on this machine look here before they take a network range.
  try {
    registerCloud(opts.env, { dir: opts.dir, pid: process.pid, endpoint });
  } catch (e) {
    events({ level: 'warn', code: 'daemon.unregistered', message: `cannot register in ${registryDir(opts.env)}: ${e instanceof Error ? e.message : String(e)}; other local clouds will not see this one's networks` });
  }

  return new Promise<DaemonOutcome>((resolve) => {
    let stopping = false;
    const shutdown = (why: string, code: number) => {
      if (stopping) return;
      stopping = true;
      events({ level: 'info', code: 'daemon.stopping', message: `stopping (${why})` });
      void (async () => {
        clearInterval(purger);
        groups.stop();
        server.close();
        server.closeAllConnections();
        await lbs.stop();
        await lbs.closeAll();
        await instances.shutdown();
        state.save();
        try {
          unregisterCloud(opts.env, opts.dir);
          unlinkSync(paths.daemonInfo);
        } catch {
          // already gone
        }
        lock.release();
        events({ level: 'info', code: 'daemon.stopped', message: 'stopped' });
        closeSync(logFd);
        for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, onSignal);
        process.off('uncaughtException', onCrash);
        resolve({ kind: 'stopped', code });
      })();
    };
    const onSignal = (signal: NodeJS.Signals) => shutdown(signal, 0);
    // An unexpected error leaves the daemon's picture of the world in doubt: stop cleanly
    // (instances stopped, state saved) rather than run on with it.
    const onCrash = (e: Error) => {
      events({ level: 'error', code: 'daemon.crashed', message: e.stack ?? e.message });
      shutdown('internal error', 1);
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
    process.on('uncaughtException', onCrash);
  });
}

/** The networks of the other running local clouds; one that does not answer has none to give. */
async function otherClouds(env: DaemonOptions['env'], dir: string): Promise<{ cidr: string; by: string }[]> {
  let clouds;
  try {
    clouds = runningClouds(env).filter((c) => c.dir !== dir && c.pid !== process.pid);
  } catch {
    return [];
  }
  const lists = await Promise.all(
    clouds.map(async (c) => {
      try {
        const response = await fetch(`${c.endpoint}/v1/networks?maxResults=1000`, { signal: AbortSignal.timeout(2_000) });
        const page = (await response.json()) as { items?: { name: string; cidr: string }[] };
        return (page.items ?? []).map((n) => ({ cidr: n.cidr, by: `network ${n.name} of the local cloud in ${c.dir}` }));
      } catch {
        return [];
      }
    }),
  );
  return lists.flat();
}
