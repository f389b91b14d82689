/**
 * A short-lived mutex per key, across processes, for the file backend: `<key>.hoist-lock`
 * created with O_EXCL. It makes "check the current ETag, then rename" one atomic step.
 *
 * It is held for a read, a hash and a rename, so milliseconds. A mutex left behind by a
 * crashed process is broken when its holder is a dead process of this host, or when it is older
 * than `staleMs` (a holder on another host sharing the folder cannot be probed).
 */

import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { HoistError } from '../../src/errors.js';
import { hostName, isProcessAlive } from './process-info.js';

export interface FileMutexOptions {
  /** Age after which a mutex is considered abandoned. */
  readonly staleMs?: number;
  /** How long to wait for a mutex before giving up with a `STORE` error. */
  readonly timeoutMs?: number;
}

interface MutexContent {
  readonly pid?: unknown;
  readonly host?: unknown;
  readonly token?: unknown;
}

const DEFAULT_STALE_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Runs `fn` while holding the mutex of `path`. Errors of `open` (e.g. ENOENT: no folder) pass through. */
export async function withFileMutex<T>(path: string, fn: () => Promise<T>, options: FileMutexOptions = {}): Promise<T> {
  const lockPath = `${path}.hoist-lock`;
  const token = randomBytes(12).toString('hex');
  await acquire(lockPath, token, options);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, token: string, options: FileMutexOptions): Promise<void> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const content = JSON.stringify({ pid: process.pid, host: hostName(), token });
  let backoff = 1;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      try {
        await fh.writeFile(content);
      } finally {
        await fh.close();
      }
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await breakIfStale(lockPath, staleMs)) continue;
    if (Date.now() > deadline) {
      throw new HoistError('STORE', `timed out waiting for ${lockPath}`, {
        hint: 'another hoist process is writing the same object; if none is running, remove that file',
      });
    }
    // Jitter keeps twenty waiters from waking in lockstep.
    await sleep(backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, 50);
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  // Only remove our own mutex: if ours was judged stale and broken, another process holds it now.
  const content = await readContent(lockPath);
  if (content?.token === token) await unlink(lockPath).catch(ignoreMissing);
}

/**
 * Breaks the mutex at `lockPath` if its holder is a dead process of this host or it is older than
 * `staleMs`. Returns true when the mutex is gone or was broken, so acquiring should be tried again
 * at once.
 */
export async function breakIfStale(lockPath: string, staleMs = DEFAULT_STALE_MS): Promise<boolean> {
  let before;
  try {
    before = await stat(lockPath);
  } catch (e) {
    ignoreMissing(e);
    return true;
  }
  const content = await readContent(lockPath);
  const deadHolder =
    content !== undefined && content.host === hostName() && typeof content.pid === 'number' && !isProcessAlive(content.pid);
  if (!deadHolder && Date.now() - before.mtimeMs < staleMs) return false;

  // Move it aside rather than unlink it, so we can tell whether we moved the one we judged: two
  // processes may judge the same stale mutex, and the slower one must not remove the new holder's.
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.hoist-stale`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    ignoreMissing(e);
    return true;
  }
  try {
    const moved = await stat(aside);
    if (moved.ino !== before.ino || moved.dev !== before.dev) {
      // A live mutex: put it back unless someone already took the free slot.
      await link(aside, lockPath).catch(() => undefined);
    }
  } finally {
    await unlink(aside).catch(ignoreMissing);
  }
  return true;
}

async function readContent(lockPath: string): Promise<MutexContent | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(lockPath, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as MutexContent) : undefined;
  } catch {
    // Missing, or caught between create and write: treated as "no content", judged by age alone.
    return undefined;
  }
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
