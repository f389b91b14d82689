/**
 * Retention as kops keeps backups by default (one per hour for a week, one per day for a
 * year), with a fake clock: backups every 15 minutes for 400 days are pruned to the newest of
 * each hour of the last week, the newest of each day of the last year, and nothing older.
 */

import { describe, expect, it } from 'vitest';
import { parseDuration, prunable } from '../../nodeup/etcd/retention.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const retention = { hourlyMs: parseDuration('7d', 'x'), dailyMs: parseDuration('365d', 'x') };
const at = (t: number) => ({ id: new Date(t).toISOString(), takenAt: new Date(t).toISOString() });

describe('backup retention', () => {
  it('keeps one per hour for a week and one per day for a year', () => {
    const now = Date.UTC(2026, 11, 4, 20, 7);
    const backups = [];
    for (let t = now - 400 * DAY; t <= now; t += 15 * 60_000) backups.push(at(t));
    const gone = new Set(prunable(backups, new Date(now), retention));
    const kept = backups.filter((b) => !gone.has(b.id)).map((b) => Date.parse(b.takenAt));
    const hourly = kept.filter((t) => now - t <= 7 * DAY);
    const daily = kept.filter((t) => now - t > 7 * DAY);
    // 7 × 24 hours, plus the partial hour at each end of the window.
    expect(hourly.length).toBeGreaterThanOrEqual(7 * 24);
    expect(hourly.length).toBeLessThanOrEqual(7 * 24 + 1);
    expect(new Set(hourly.map((t) => Math.floor(t / HOUR))).size).toBe(hourly.length);
    expect(daily.length).toBeGreaterThanOrEqual(365 - 8);
    expect(daily.length).toBeLessThanOrEqual(365 - 6);
    expect(new Set(daily.map((t) => Math.floor(t / DAY))).size).toBe(daily.length);
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(now - 365 * DAY);
    // The newest of each hour is the one kept.
    expect(kept).toContain(now);
    // Backups at :07, :22, :37 and :52: of the hour before now's, 19:52 stays and 19:37 goes.
    expect(kept).toContain(now - 15 * 60_000);
    expect(kept).not.toContain(now - 30 * 60_000);
  });

  it('never deletes the newest backup, however old', () => {
    const now = Date.UTC(2026, 11, 4);
    const old = [at(now - 800 * DAY), at(now - 900 * DAY)];
    expect(prunable(old, new Date(now), retention)).toEqual([old[1]!.id]);
  });

  it('keeps everything when nothing is older than its window', () => {
    const now = Date.UTC(2026, 11, 4, 12);
    const recent = [at(now - 3 * HOUR), at(now - 2 * HOUR), at(now - HOUR)];
    expect(prunable(recent, new Date(now), retention)).toEqual([]);
  });

  it('refuses a duration it cannot read, naming the field', () => {
    expect(() => parseDuration('15 minutes', 'spec.etcdClusters[0].backups.interval')).toThrow(/spec\.etcdClusters\[0\]\.backups\.interval: "15 minutes" is not a duration \(e\.g\. 15m, 24h or 7d\)/);
    expect(parseDuration('15m', 'x')).toBe(15 * 60_000);
  });
});
