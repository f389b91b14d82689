/**
 * Which backups to keep, as kops's etcd-manager keeps them by default: one per hour for
 * `hourly` (a week), one per day for `daily` (a year), and nothing older. The newest backup of each hour (or day)
 * is the one kept, and the newest backup of all is always kept, however old: pruning never
 * leaves a cluster without a backup. Pure: the clock is an argument.
 */

import { HoistError } from '../../src/errors.js';

export interface Retention {
  readonly hourlyMs: number;
  readonly dailyMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION = /^(\d+)(s|m|h|d)$/;

/** `15m`, `168h`, `7d`, `365d`. */
export function parseDuration(text: string, path: string): number {
  const m = DURATION.exec(text);
  if (m === null || Number(m[1]) <= 0) throw new HoistError('INVALID_SPEC', `${path}: ${JSON.stringify(text)} is not a duration (e.g. 15m, 24h or 7d)`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const HOUR = UNIT_MS.h;
const DAY = UNIT_MS.d;

/** The ids to delete; `backups` carry their time as an ISO string. */
export function prunable(backups: readonly { readonly id: string; readonly takenAt: string }[], now: Date, r: Retention): string[] {
  const newestFirst = [...backups].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
  const keep = new Set<string>();
  const hours = new Set<number>();
  const days = new Set<number>();
  newestFirst.forEach((b, i) => {
    const t = Date.parse(b.takenAt);
    const age = now.getTime() - t;
    if (i === 0) keep.add(b.id);
    if (age <= r.hourlyMs && !hours.has(Math.floor(t / HOUR))) {
      hours.add(Math.floor(t / HOUR));
      keep.add(b.id);
    }
    if (age <= r.dailyMs && !days.has(Math.floor(t / DAY))) {
      days.add(Math.floor(t / DAY));
      keep.add(b.id);
    }
  });
  return newestFirst.filter((b) => !keep.has(b.id)).map((b) => b.id);
}
