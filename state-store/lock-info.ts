/**
 * The cluster lock's object: what it says, how it is written and read, and when it may be taken
 * over without asking anyone.
 */

import { randomUUID } from 'node:crypto';
import { HoistError } from '../src/errors.js';
import { holderName, hostName, isProcessAlive } from './backends/process-info.js';

export interface LockInfo {
  /** Random, new for every acquisition: tells two holders with the same name apart. */
  readonly id: string;
  /** `user@host`. */
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  /** What the holder is doing, e.g. `update cluster`. */
  readonly operation: string;
  /** ISO 8601. */
  readonly started: string;
  /** ISO 8601; pushed forward by every renewal. */
  readonly expires: string;
}

export function lockKey(cluster: string): string {
  if (cluster === '' || cluster.includes('/')) {
    throw new HoistError('INVALID_NAME', `${JSON.stringify(cluster)} is not a cluster name`, {
      hint: 'a cluster name is a DNS name such as demo.example.com',
    });
  }
  return `${cluster}/lock`;
}

export function newLockInfo(operation: string, nowMs: number, ttlMs: number): LockInfo {
  return {
    id: randomUUID(),
    holder: holderName(),
    host: hostName(),
    pid: process.pid,
    operation,
    started: new Date(nowMs).toISOString(),
    expires: new Date(nowMs + ttlMs).toISOString(),
  };
}

export function encodeLock(info: LockInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}

/**
 * Reads a lock object. One that cannot be read (cut short, written by hand) yields an info that
 * is already expired: its holder, if any, can no longer renew it, so it is taken over.
 */
export function decodeLock(body: Uint8Array): LockInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(body));
  } catch {
    raw = undefined;
  }
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (k: string) => (typeof r[k] === 'string' ? r[k] : undefined);
  const started = text('started');
  const expires = text('expires');
  const valid = text('id') !== undefined && expires !== undefined && !Number.isNaN(Date.parse(expires));
  const epoch = new Date(0).toISOString();
  return {
    id: text('id') ?? '',
    holder: text('holder') ?? 'unknown (unreadable lock object)',
    host: text('host') ?? '',
    pid: typeof r['pid'] === 'number' ? r['pid'] : 0,
    operation: text('operation') ?? 'unknown',
    started: started ?? epoch,
    expires: valid ? expires : epoch,
  };
}

/**
 * Why a lock may be taken over, or undefined while its holder may still be working. Expiry is
 * judged by this machine's clock, so TTLs must stay well above any clock skew between hosts.
 */
export function staleReason(info: LockInfo, nowMs: number): string | undefined {
  if (Date.parse(info.expires) <= nowMs) return `it expired at ${info.expires}`;
  if (info.host === hostName() && info.pid !== process.pid && !isProcessAlive(info.pid)) {
    return `its process ${info.pid} on this host is gone`;
  }
  return undefined;
}

/** `alice@build-1 (pid 4121, "update cluster", since …)`: who holds a lock, for messages. */
export function describeHolder(info: LockInfo): string {
  return `${info.holder} (pid ${info.pid}, "${info.operation}", since ${info.started})`;
}

/** Whether the holder is a process that is running on this host now (it may still be working). */
export function aliveHere(info: LockInfo): boolean {
  return info.host === hostName() && isProcessAlive(info.pid);
}

/** The cluster is locked by someone else. */
export class LockHeldError extends HoistError {
  readonly cluster: string;
  readonly info: LockInfo;

  constructor(cluster: string, info: LockInfo) {
    super(
      'LOCKED',
      `cluster ${cluster} is locked by ${info.holder} (pid ${info.pid}), running "${info.operation}" ` +
        `since ${info.started} (expires ${info.expires})`,
      {
        hint:
          `wait for it to finish; if it is dead, see hoist lock status ${cluster} ` +
          `and hoist lock break ${cluster} --yes`,
      },
    );
    this.cluster = cluster;
    this.info = info;
  }
}
