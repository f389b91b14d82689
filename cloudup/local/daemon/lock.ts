/**
 * `daemon.lock`: one daemon per folder. The lock is created with `link()`, which fails if the
 * name exists and never shows a half-written file; it names its holder's pid. A lock whose
 * holder is dead is broken under a second, short-lived lock (`daemon.lock.break`), so that two
 * starters that both find it stale cannot each remove the other's fresh lock.
 */

import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { DAEMON_MARKER, processRunning } from '../files.js';

export type LockResult = { readonly acquired: true; release(): void } | { readonly acquired: false; readonly holderPid: number };

/** A break lock older than this belongs to a starter that died while breaking. */
const STALE_BREAK_MS = 5_000;

export async function acquireDaemonLock(path: string): Promise<LockResult> {
  const mine = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(path, mine)) {
      return {
        acquired: true,
        release: () => {
          if (readText(path) === mine) unlinkQuietly(path);
        },
      };
    }
    const text = readText(path);
    if (text === undefined) continue;
    const holder = holderPid(text);
    if (holder !== undefined && holder !== process.pid && processRunning(holder, DAEMON_MARKER)) return { acquired: false, holderPid: holder };
    breakStale(path, text);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  throw new Error(`could not take ${path}: it keeps changing`);
}

function breakStale(path: string, staleText: string): void {
  const breaker = `${path}.break`;
  if (!createExclusive(breaker, String(process.pid))) {
    const other = Number(readText(breaker));
    if (!processRunning(other) || ageMs(breaker) > STALE_BREAK_MS) unlinkQuietly(breaker);
    return;
  }
  try {
    // Still the same stale lock? Another starter may have broken it and taken a fresh one.
    if (readText(path) === staleText) unlinkQuietly(path);
  } finally {
    unlinkQuietly(breaker);
  }
}

function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temp, text);
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkQuietly(temp);
  }
}

function holderPid(text: string): number | undefined {
  try {
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
