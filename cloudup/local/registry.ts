/**
 * What every local cloud on this machine can see of the others: a registry folder under the
 * system's temporary folder (the same for every user and every HOIST_LOCAL_CLOUD_DIR), with
 *
 * - `clouds/<hash of the state folder>.json`: a running daemon's `{dir, pid, endpoint}`,
 *   written when it answers and removed when it stops;
 * - `ranges/127.<n>.json`: a network range claimed by `create cluster`, one file per /16 of
 *   127.0.0.0/8 that it covers, created exclusively so that two creates never get one range.
 *
 * Entries are hints, never trusted blindly: a cloud entry counts only while its pid is a live
 * daemon, and a range claim only while its cluster is still in its state store (or, where the
 * store cannot be looked into from here, for a week). A stale entry is skipped and removed.
 */

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterConfigKey } from '../../state-store/layout.js';
import { DAEMON_MARKER, processRunning } from './files.js';
import type { Env } from './files.js';

/** A running daemon, as it registers itself. */
export interface CloudEntry {
  readonly dir: string;
  readonly pid: number;
  readonly endpoint: string;
}

/** A range `create cluster` took for a cluster that may not have reached a cloud yet. */
export interface RangeClaim {
  readonly cidr: string;
  readonly cluster: string;
  /** The cluster's state store URL. */
  readonly store: string;
  /** The local cloud folder the cluster was created for. */
  readonly dir: string;
  readonly at: string;
}

/** A claim younger than this is live: its create has not written the cluster to its store yet. */
const CLAIM_GRACE_MS = 60_000;
/** How long a claim counts when its store (s3://, gs://) cannot be looked into from here. */
const UNCHECKABLE_CLAIM_MS = 7 * 24 * 3600_000;

/** `$HOIST_LOCAL_CLOUD_REGISTRY`, else `hoist-local-clouds` in the system's temporary folder. */
export function registryDir(env: Env): string {
  if (env.HOIST_LOCAL_CLOUD_REGISTRY) return env.HOIST_LOCAL_CLOUD_REGISTRY;
  // Not $TMPDIR: every user's and every process's clouds must meet in one place.
  return join(process.platform === 'win32' ? tmpdir() : '/tmp', 'hoist-local-clouds');
}

/** Creates a registry subfolder that every user may add entries to (sticky, like /tmp). */
function folder(env: Env, name: 'clouds' | 'ranges'): string {
  const root = registryDir(env);
  const sub = join(root, name);
  if (!existsSync(sub)) {
    for (const dir of [root, sub]) {
      mkdirSync(dir, { recursive: true });
      try {
        chmodSync(dir, 0o1777);
      } catch {
        // someone else's folder: it was made open already
      }
    }
  }
  return sub;
}

const cloudFile = (env: Env, dir: string) => join(folder(env, 'clouds'), `${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.json`);

export function registerCloud(env: Env, entry: CloudEntry): void {
  const file = cloudFile(env, entry.dir);
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(entry)}\n`, { mode: 0o644 });
  renameSync(`${file}.${process.pid}.tmp`, file);
}

export function unregisterCloud(env: Env, dir: string): void {
  const file = cloudFile(env, dir);
  if ((readJson(file) as Partial<CloudEntry> | undefined)?.pid === process.pid) unlinkQuietly(file);
}

/** The daemons that run now, each once; entries of dead ones are removed. */
export function runningClouds(env: Env): CloudEntry[] {
  const dir = folder(env, 'clouds');
  const found: CloudEntry[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const text = readText(join(dir, name));
    const entry = parseJson(text) as Partial<CloudEntry> | undefined;
    if (typeof entry?.pid === 'number' && typeof entry.dir === 'string' && typeof entry.endpoint === 'string' && processRunning(entry.pid, DAEMON_MARKER)) {
      found.push(entry as CloudEntry);
    } else if (text !== undefined) {
      removeIfStill(join(dir, name), text);
    }
  }
  return found;
}

/** The /16 blocks of 127.0.0.0/8 that a range covers, by their second octet. */
export function blocksOf(base: number, prefix: number): number[] {
  const second = (base >>> 16) & 0xff;
  if (prefix >= 16) return [second];
  const count = 1 << (16 - Math.max(prefix, 8));
  const first = second & ~(count - 1) & 0xff;
  return Array.from({ length: count }, (_, i) => first + i);
}

const claimFile = (env: Env, block: number) => join(folder(env, 'ranges'), `127.${block}.json`);

/** Every live claim; stale ones are removed. */
export function liveClaims(env: Env, now = Date.now()): RangeClaim[] {
  const dir = folder(env, 'ranges');
  const claims = new Map<string, RangeClaim>();
  for (const name of readdirSync(dir).filter((n) => /^127\.\d+\.json$/.test(n))) {
    const text = readText(join(dir, name));
    const claim = parseJson(text) as RangeClaim | undefined;
    if (claim !== undefined && claimLive(claim, now)) claims.set(`${claim.store}\n${claim.cluster}\n${claim.cidr}`, claim);
    else if (text !== undefined) removeIfStill(join(dir, name), text);
  }
  return [...claims.values()];
}

function claimLive(claim: RangeClaim, now: number): boolean {
  const age = now - Date.parse(claim.at);
  if (typeof claim.cluster !== 'string' || typeof claim.store !== 'string' || Number.isNaN(age)) return false;
  if (age < CLAIM_GRACE_MS) return true;
  if (claim.store.startsWith('file:')) {
    try {
      return existsSync(join(fileURLToPath(claim.store), ...clusterConfigKey(claim.cluster).split('/')));
    } catch {
      return false;
    }
  }
  // A memfs:// store lives in one process only: once its create is over, nothing holds it.
  return !claim.store.startsWith('memfs:') && age < UNCHECKABLE_CLAIM_MS;
}

/**
 * Claims every block of `blocks` for `claim`, or none: false when another live claim holds
 * one of them. A claim of the same cluster in the same store is replaced.
 */
export function claimBlocks(env: Env, blocks: readonly number[], claim: RangeClaim): boolean {
  const taken: number[] = [];
  const body = `${JSON.stringify(claim)}\n`;
  for (const block of blocks) {
    if (!claimOne(env, block, claim, body)) {
      for (const b of taken) unlinkQuietly(claimFile(env, b));
      return false;
    }
    taken.push(block);
  }
  return true;
}

function claimOne(env: Env, block: number, claim: RangeClaim, body: string): boolean {
  const file = claimFile(env, block);
  for (let attempt = 0; attempt < 3; attempt++) {
    const temp = `${file}.${process.pid}.${attempt}.tmp`;
    writeFileSync(temp, body, { mode: 0o644 });
    try {
      linkSync(temp, file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkQuietly(temp);
    }
    const text = readText(file);
    const holder = parseJson(text) as RangeClaim | undefined;
    const mine = holder !== undefined && holder.store === claim.store && holder.cluster === claim.cluster;
    if (holder !== undefined && !mine && claimLive(holder, Date.now())) return false;
    if (text !== undefined) removeIfStill(file, text);
  }
  return false;
}

/** Gives back what `claimBlocks` took (a create that failed after all). */
export function releaseBlocks(env: Env, blocks: readonly number[], claim: RangeClaim): void {
  for (const block of blocks) {
    const holder = readJson(claimFile(env, block)) as RangeClaim | undefined;
    if (holder?.store === claim.store && holder.cluster === claim.cluster && holder.at === claim.at) unlinkQuietly(claimFile(env, block));
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

const readJson = (file: string): unknown => parseJson(readText(file));

/**
 * Removes `file` if it still holds `stale`: moved aside first, so that an entry someone wrote
 * in its place since it was read is put back rather than lost.
 */
function removeIfStill(file: string, stale: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return;
  }
  try {
    if (readText(aside) !== stale) linkSync(aside, file);
  } catch {
    // a newer entry took the name meanwhile: it wins
  } finally {
    unlinkQuietly(aside);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already, or another user's entry
  }
}
