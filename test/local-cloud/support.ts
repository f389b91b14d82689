/**
 * A local cloud per test file: its own state folder, its own daemon (the bundled executable),
 * and a teardown that stops the daemon by its pid, kills every instance pid it recorded, and
 * then checks that no process of that folder is left.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceOf } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import type { LocalCloudClient } from '../../cloudup/local/client.js';
import { cloudPaths, processRunning } from '../../cloudup/local/files.js';
import { HOIST_BIN } from '../support/cli.js';

export interface TestCloud {
  readonly dir: string;
  /** What a CLI run or a connect needs: the folder, and the bundle to run. */
  readonly env: Record<string, string>;
  readonly client: LocalCloudClient;
}

let binDir: string | undefined;
let copied: Promise<string> | undefined;

/**
 * A private copy of the bundle: the daemon and agents outlive one command, and a rebuild of
 * dist/ by someone else in the middle of a test must not pull files from under them. Made once
 * per file: clouds started at the same time share the one copy rather than each writing it.
 */
function bundle(): Promise<string> {
  copied ??= copyBundle();
  return copied;
}

async function copyBundle(): Promise<string> {
  binDir ??= await mkdtemp(join(tmpdir(), 'hoist-bin-'));
  const copy = join(binDir, 'dist');
  if (existsSync(join(copy, 'hoist.js'))) return join(copy, 'hoist.js');
  // Only dist/ is checked, and only before the copy is made: the copy is what the tests run.
  // The CLI loads each command's module on demand: local-cloud's is a chunk of its own.
  const chunks = join(HOIST_BIN, '..', 'chunks');
  if (!existsSync(HOIST_BIN) || !existsSync(chunks) || !readdirSync(chunks).some((f) => f.startsWith('local-cloud-'))) {
    throw new Error(`${HOIST_BIN} is missing or has no local-cloud command: run npm run build first`);
  }
  await cp(join(HOIST_BIN, '..'), copy, { recursive: true, filter: (src) => !src.endsWith('.map') });
  return join(copy, 'hoist.js');
}

/** A fresh state folder and the env that points at it; no daemon yet. */
export async function cloudDir(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-lc-'));
  return { dir, env: { HOIST_LOCAL_CLOUD_DIR: dir, HOIST_BIN: await bundle() } };
}

export async function startCloud(): Promise<TestCloud> {
  const { dir, env } = await cloudDir();
  const client = await connectLocalCloud({ env: { ...process.env, ...env } });
  return { dir, env, client };
}

/** Processes whose command line or environment names `dir`: the daemon and its agents. */
export function processesOf(dir: string): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-e', 'e', '-ww', '-o', 'pid=,args='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), args: m[2] ?? '' }))
    .filter((p) => p.pid !== process.pid && p.args.includes(dir) && !p.args.startsWith('ps '))
    .map((p) => ({ pid: p.pid, args: p.args.slice(0, 200) }));
}

/** Stops the daemon of `dir` by its pid and kills whatever it leaves; the folder stays. */
export async function killCloud(dir: string): Promise<void> {
  const paths = cloudPaths(dir);
  const pids = new Set<number>();
  for (const file of [paths.daemonInfo, paths.daemonLock]) {
    const pid = readPid(file);
    if (pid !== undefined) pids.add(pid);
  }
  for (const pid of pids) signal(pid, 'SIGTERM');
  await until(() => [...pids].every((pid) => !processRunning(pid)), 8_000);
  for (const pid of pids) signal(pid, 'SIGKILL');
  const recorded = instancesOf(dir).flatMap((i) => (i.pid === undefined ? [] : [i.pid]));
  for (const pid of [...recorded, ...processesOf(dir).map((p) => p.pid)]) {
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGKILL');
  }
  await until(() => processesOf(dir).length === 0, 5_000);
}

/** Stops everything of the cloud, checks nothing is left, removes the folder. */
export async function destroyCloud(dir: string): Promise<{ pid: number; args: string }[]> {
  await killCloud(dir);
  const left = processesOf(dir);
  await rm(dir, { recursive: true, force: true });
  return left;
}

export async function removeBundleCopy(): Promise<void> {
  await copied?.catch(() => undefined);
  if (binDir !== undefined) await rm(binDir, { recursive: true, force: true });
  binDir = undefined;
  copied = undefined;
}

export function instancesOf(dir: string): ResourceOf['instances'][] {
  try {
    const state = JSON.parse(readFileSync(cloudPaths(dir).state, 'utf8')) as { resources: { instances?: ResourceOf['instances'][] } };
    return state.resources.instances ?? [];
  } catch {
    return [];
  }
}

/**
 * Polls `probe` until it returns something other than undefined or false. The default wait
 * allows for the other test files sharing the cores; a probe that succeeds returns at once.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function readPid(file: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

/** A network with one subnet per zone, for tests that need somewhere to put things. */
export async function network(client: LocalCloudClient, cidr: string, zones: readonly string[] = ['a']): Promise<{ network: ResourceOf['networks']; subnets: ResourceOf['subnets'][] }> {
  const net = await client.create('networks', { name: `net-${cidr}`, cidr, tags: {} });
  const base = cidr.split('.').slice(0, 2).join('.');
  const subnets = [];
  for (const [i, zone] of zones.entries()) {
    subnets.push(await client.create('subnets', { name: `${base}-${zone}`, networkId: net.id, cidr: `${base}.${i + 1}.0/24`, zone, tags: {} }));
  }
  return { network: net, subnets };
}
