/** Duration flags in the Go style kops uses: `30s`, `15m`, `1h30m`, `7d`. */

import parse from 'parse-duration';
import { invalidFlag } from '../../errors.js';

const FORM = /^(\d+(\.\d+)?(ms|s|m|h|d))+$/;

export function duration(flag: string): (value: string) => number {
  return (value: string) => {
    const ms = FORM.test(value.trim()) ? parse(value.trim()) : null;
    if (ms === null || ms === undefined) throw invalidFlag(flag, value, 'is not a duration', `e.g. ${flag} 15m, 90s or 1h30m`);
    return ms;
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}
