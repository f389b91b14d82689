/** Flag parsers shared by commands; bad values become clear errors that name the flag. */

import { invalidFlag } from '../../errors.js';

/** Accepts `--zones a,b --zones c` and `--zones a,b,c` alike. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/** A repeatable flag whose values may hold commas (`--set spec.x=[a,b]`): one value per flag. */
export function collectRaw(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

export function integer(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw invalidFlag(flag, value, 'is not a whole number', `e.g. ${flag} 3`);
    return Number(value);
  };
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidFlag(flag, value, 'is not accepted', `use one of: ${allowed.join(', ')}`);
}
