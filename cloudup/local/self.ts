/**
 * Where the hoist executable is, for commands that start hoist again as another process (the
 * local cloud's daemon and its instances' agents).
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoistError } from '../../src/errors.js';

let found: string | undefined;

/**
 * The bundled CLI, `dist/hoist.js`: $HOIST_BIN when set, else found from this module's own
 * location. Walking up to the package (rather than a fixed `../..`) makes the same code work
 * from the bundle in dist/ (or dist/chunks/) and from the sources under a test runner.
 */
export function hoistExecutable(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.HOIST_BIN) return resolve(env.HOIST_BIN);
  found ??= findPackageExecutable(dirname(fileURLToPath(import.meta.url)));
  return found;
}

function findPackageExecutable(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isHoistPackage(join(dir, 'package.json'))) return join(dir, 'dist', 'hoist.js');
    if (dirname(dir) === dir) break;
  }
  throw new HoistError('INTERNAL', `cannot find the hoist package above ${start}`, { hint: 'set HOIST_BIN to the path of dist/hoist.js' });
}

function isHoistPackage(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'hoist';
  } catch {
    return false;
  }
}
