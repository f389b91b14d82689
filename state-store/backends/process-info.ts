import { hostname, userInfo } from 'node:os';

/** This machine's name, as written into locks and mutexes to tell local holders from remote ones. */
export function hostName(): string {
  return hostname();
}

/** `user@host`, the way a lock names its holder to other people. */
export function holderName(): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // Containers often run as a uid with no passwd entry.
    user = process.env['USER'] ?? process.env['LOGNAME'];
  }
  return `${user ?? 'unknown'}@${hostName()}`;
}

/**
 * Whether a process of this host is alive. Only "no such process" counts as dead: a process we
 * may not signal (EPERM) is alive, and a lock held by it must not be taken over.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
