/**
 * Key rules shared by every backend, so a key that works on memfs:// works on file:// and s3://.
 *
 * On file:// a key becomes a path below the store's root: these checks are what keep a key
 * from escaping the root, so they are strict on every backend alike.
 */

import { HoistError } from '../src/errors.js';

/**
 * Name endings that the file backend uses for its own short-lived files (temp files, per-key
 * mutexes, broken mutexes). Keys may not use them, and listings never show them.
 */
export const RESERVED_SUFFIXES = ['.hoist-tmp', '.hoist-lock', '.hoist-stale'] as const;

const MAX_KEY_LENGTH = 1024;

export function isReservedName(name: string): boolean {
  return RESERVED_SUFFIXES.some((s) => name.endsWith(s));
}

export function isValidKey(key: string): boolean {
  return keyProblem(key, false) === undefined;
}

/** Throws `INVALID_NAME` unless `key` is a relative, `/`-separated path with no tricks in it. */
export function validateKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem !== undefined) throw invalidKey('key', key, problem);
}

/**
 * A listing prefix follows the same rules as a key, except that it may be empty and may end
 * in `/` or in the middle of a segment (`demo.example.com/instancegroup/no`).
 */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = keyProblem(prefix, true);
  if (problem !== undefined) throw invalidKey('prefix', prefix, problem);
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (key === '') return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.includes('\0')) return 'contains a NUL character';
  if (key.includes('\\')) return 'contains a backslash (use / to separate segments)';
  if (key.startsWith('/')) return 'is absolute (keys are relative to the store root)';
  if (/^[A-Za-z]:/.test(key)) return 'looks like a drive path (keys are relative to the store root)';
  const segments = key.split('/');
  // A prefix may end with `/`: its last, empty segment stands for "everything below".
  const checked = isPrefix && segments.at(-1) === '' ? segments.slice(0, -1) : segments;
  for (const segment of checked) {
    if (segment === '') return 'has an empty segment (// or a trailing /)';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
    if (isReservedName(segment)) return `has a segment ending in a reserved suffix (${RESERVED_SUFFIXES.join(', ')})`;
  }
  return undefined;
}

function invalidKey(what: string, key: string, problem: string): HoistError {
  return new HoistError('INVALID_NAME', `state store ${what} ${JSON.stringify(key)} ${problem}`, {
    hint: 'keys are relative paths such as "demo.example.com/config"',
    path: key,
  });
}
