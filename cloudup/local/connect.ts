/**
 * Finds the local cloud's daemon for a state folder, starting it when it is not running.
 *
 * Any number of processes may connect at once: each that finds no daemon starts one, the
 * daemons race for `daemon.lock`, the losers exit, and every connector waits for the winner's
 * `daemon.json` and a `/v1/status` that answers for this folder.
 */

import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { HoistError } from '../../src/errors.js';
import { silent } from '../../src/output/events.js';
import type { EventSink } from '../../src/output/events.js';
import { hoistExecutable } from './self.js';
import { bootTimeMs } from './boot-time.js';
import { LocalCloudClient } from './client.js';
import { cloudPaths, DAEMON_MARKER, localCloudDir, processRunning, readDaemonInfo } from './files.js';
import type { DaemonInfo, Env } from './files.js';

export interface ConnectOptions {
  /** The state folder; else $HOIST_LOCAL_CLOUD_DIR, else ~/.hoist/local-cloud. */
  readonly dir?: string;
  readonly env?: Env;
  /** Start the daemon when none runs (default true). */
  readonly autoStart?: boolean;
  readonly events?: EventSink;
  /** How long to wait for a started daemon to answer. */
  readonly startTimeoutMs?: number;
}

export async function connectLocalCloud(opts: ConnectOptions = {}): Promise<LocalCloudClient> {
  const env = opts.env ?? process.env;
  const events = opts.events ?? silent;
  const dir = localCloudDir(env, opts.dir);
  const running = await findDaemon(dir);
  if (running !== undefined) return new LocalCloudClient(running.endpoint);
  if (opts.autoStart === false) throw notRunning(dir);
  // Refused here, with the variable named, rather than by a detached daemon nobody watches.
  bootTimeMs(env);

  await mkdir(dir, { recursive: true });
  const child = spawn(process.execPath, [hoistExecutable(env), 'local-cloud', 'daemon', '--dir', dir], {
    detached: true,
    stdio: 'ignore',
    env: { ...env },
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  child.unref();

  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && spawnError === undefined) {
    const found = await findDaemon(dir);
    if (found !== undefined) {
      if (found.pid === child.pid) {
        events({ level: 'info', code: 'localcloud.started', message: `started the local cloud daemon (pid ${found.pid}) on ${found.endpoint}`, data: { pid: found.pid, endpoint: found.endpoint, dir } });
      } else {
        events({ level: 'debug', code: 'localcloud.found', message: `the local cloud daemon (pid ${found.pid}) was started by another process`, data: { pid: found.pid } });
      }
      return new LocalCloudClient(found.endpoint);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const holder = await lockHolder(dir);
  const why = spawnError
    ? `: ${spawnError.message}`
    : holder !== undefined && holder !== child.pid && processRunning(holder, DAEMON_MARKER)
      ? `: the daemon with pid ${holder} holds ${cloudPaths(dir).daemonLock} but does not answer`
      : '';
  throw new HoistError('CLOUD', `the local cloud daemon did not start within ${timeoutMs / 1000} s${why}`, {
    user: true,
    hint: `see ${cloudPaths(dir).daemonLog}`,
    cause: spawnError,
  });
}

/** The pid named by `daemon.lock`, if any. */
export async function lockHolder(dir: string): Promise<number | undefined> {
  try {
    const pid = (JSON.parse(await readFile(cloudPaths(dir).daemonLock, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

const STATUS_TIMEOUT_MS = 10_000;

/** The running daemon of `dir`: its daemon.json names a live daemon that answers for `dir`. */
export async function findDaemon(dir: string): Promise<DaemonInfo | undefined> {
  const info = await readDaemonInfo(dir);
  if (info === undefined || !processRunning(info.pid, DAEMON_MARKER)) return undefined;
  try {
    // The process is alive: give it time to answer. A daemon running several clusters on a busy
    // machine can take seconds, and calling it "not running" then fails the command for nothing.
    const response = await fetch(`${info.endpoint}/v1/status`, { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    const status = (await response.json()) as { pid?: unknown; dir?: unknown };
    return status.pid === info.pid && status.dir === dir ? info : undefined;
  } catch {
    return undefined;
  }
}

export function notRunning(dir: string): HoistError {
  return new HoistError('NOT_FOUND', `the local cloud is not running (state folder ${dir})`, { hint: 'start it with: hoist local-cloud start' });
}
