/**
 * Releases held locks when the process is interrupted (SIGINT, SIGTERM) or runs out of work
 * without releasing them, so a Ctrl-C does not leave the cluster locked until the lock expires.
 *
 * One set of process handlers serves every held lock; they are installed with the first lock
 * and removed with the last, so a process holding no lock keeps Node's default signal handling.
 */

import { constants } from 'node:os';
import type { HeldLock } from './lock-held.js';

export interface SignalSettings {
  readonly signals: readonly NodeJS.Signals[];
  /** Longest wait for the releases before exiting anyway. */
  readonly timeoutMs: number;
  readonly exit: (code: number) => void;
}

const defaults: SignalSettings = {
  signals: ['SIGINT', 'SIGTERM'],
  timeoutMs: 2_000,
  exit: (code) => process.exit(code),
};

let settings: SignalSettings = defaults;
const held = new Set<HeldLock>();
let exiting = false;

/** Releases `lock` on SIGINT/SIGTERM (then exits 130/143) and before a natural exit. Returns an undo. */
export function releaseOnSignals(lock: HeldLock): () => void {
  if (lock.released) return () => undefined;
  if (held.size === 0) install();
  held.add(lock);
  const undo = () => {
    if (held.delete(lock) && held.size === 0) uninstall();
  };
  lock.onRelease(undo);
  return undo;
}

/** For tests: replaces the signal list, timeout or exit function. Returns the previous settings. */
export function configureSignalRelease(overrides: Partial<SignalSettings>): SignalSettings {
  const previous = settings;
  if (held.size > 0) uninstall();
  settings = { ...settings, ...overrides };
  if (held.size > 0) install();
  return previous;
}

function onSignal(signal: NodeJS.Signals): void {
  const code = 128 + (constants.signals[signal] ?? 0);
  // A second Ctrl-C while releasing means "now".
  if (exiting) return settings.exit(code);
  exiting = true;
  const releases = Promise.all([...held].map((lock) => lock.release()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, settings.timeoutMs);
  });
  void Promise.race([releases, timeout]).then(() => {
    clearTimeout(timer);
    exiting = false;
    settings.exit(code);
  });
}

function onBeforeExit(): void {
  // Fires when the event loop is empty; the releases queue more work, and then it fires again
  // with nothing held.
  for (const lock of held) void lock.release();
}

function install(): void {
  for (const signal of settings.signals) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
}

function uninstall(): void {
  for (const signal of settings.signals) process.off(signal, onSignal);
  process.off('beforeExit', onBeforeExit);
}
