/**
 * Golden files: expected output kept in the repository. `npm run golden:update` (which sets
 * HOIST_UPDATE_GOLDEN=1) rewrites them from the current output; review the diff, then commit.
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './cli.js';

export async function expectGolden(file: string, actual: string): Promise<void> {
  const path = join(ROOT, 'test/golden', file);
  if (process.env.HOIST_UPDATE_GOLDEN === '1') {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`no golden file ${relative(ROOT, path)}: create it with npm run golden:update`);
  const expected = await readFile(path, 'utf8');
  expect(actual, `${relative(ROOT, path)} differs; if the change is intended, run npm run golden:update and review the diff`).toBe(expected);
}
