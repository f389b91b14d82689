/**
 * Where the local cloud keeps its state, and how a process finds the running daemon.
 *
 * One folder holds everything: `state.json` (the resources), `daemon.json` (while a daemon
 * runs), `daemon.lock`, `daemon.log`, `instances/<id>/` (each instance's root) and
 * `volumes/<id>/`. Processes are recognised by pid and by their command line, so that a pid
 * reused by an unrelated process after a crash is not mistaken for the daemon.
 */

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** `dir`, else $HOIST_LOCAL_CLOUD_DIR, else ~/.hoist/local-cloud; relative paths from `cwd`. */
export function localCloudDir(env: Env, dir?: string, cwd: string = process.cwd()): string {
  const chosen = dir ?? env.HOIST_LOCAL_CLOUD_DIR;
  if (chosen) return resolve(cwd, chosen);
  return join(env.HOME || homedir(), '.hoist', 'local-cloud');
}

export interface CloudPaths {
  readonly dir: string;
  readonly state: string;
  readonly daemonInfo: string;
  readonly daemonLock: string;
  readonly daemonLog: string;
  readonly instances: string;
  readonly volumes: string;
  instanceRoot(id: string): string;
  volumePath(id: string): string;
}

export function cloudPaths(dir: string): CloudPaths {
  return {
    dir,
    state: join(dir, 'state.json'),
    daemonInfo: join(dir, 'daemon.json'),
    daemonLock: join(dir, 'daemon.lock'),
    daemonLog: join(dir, 'daemon.log'),
    instances: join(dir, 'instances'),
    volumes: join(dir, 'volumes'),
    instanceRoot: (id) => join(dir, 'instances', id),
    volumePath: (id) => join(dir, 'volumes', id),
  };
}

/** The content of `daemon.json`, written once the daemon answers and removed when it stops. */
export interface DaemonInfo {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly startedAt: string;
  readonly version: string;
}

export async function readDaemonInfo(dir: string): Promise<DaemonInfo | undefined> {
  let text: string;
  try {
    text = await readFile(cloudPaths(dir).daemonInfo, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const info = JSON.parse(text) as Partial<DaemonInfo>;
    if (typeof info.pid !== 'number' || typeof info.endpoint !== 'string' || typeof info.port !== 'number') return undefined;
    return info as DaemonInfo;
  } catch {
    // Half-written by a daemon that died: the same as absent.
    return undefined;
  }
}

/** The argument pair that marks a daemon's and an agent's command line. */
export const DAEMON_MARKER = 'local-cloud daemon';
export const AGENT_MARKER = 'local-cloud agent';

/**
 * True when `pid` is a live process (not a zombie) and, when /proc shows command lines, its
 * command line contains `marker`. Where there is no /proc, a live pid is taken at its word.
 */
export function processRunning(pid: number, marker?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  if (marker === undefined) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return true;
  }
}

/** Resolves once `pid` is gone, or false after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number, marker?: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processRunning(pid, marker)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
