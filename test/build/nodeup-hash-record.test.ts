/**
 * A plan pins the nodeup bundle by its sha256. The build records the hash beside the bundle
 * (`nodeup.mjs.sha256`, with the size and mtime it is of) so that a plan need not read and hash
 * 39 MB; the record counts only while the bundle still has that size and mtime.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeupBundle } from '../../cloudup/nodeup/bundle.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-nodeup-hash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const RECORDED = 'a'.repeat(64);

async function bundleWithRecord(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, body);
  const info = await stat(path);
  await writeFile(`${path}.sha256`, `${RECORDED} ${info.size}:${info.mtimeMs}\n`);
  return path;
}

describe('the recorded hash of the nodeup bundle', () => {
  it('is used while the bundle has the size and mtime it names', async () => {
    const path = await bundleWithRecord('same.mjs', 'console.log(1);\n');
    expect((await nodeupBundle({ HOIST_NODEUP_BUNDLE: path })).sha256).toBe(RECORDED);
  });

  it('is ignored once the bundle changed, or when it is not a hash', async () => {
    const touched = await bundleWithRecord('touched.mjs', 'console.log(2);\n');
    await utimes(touched, new Date(), new Date(Date.now() + 5_000));
    expect((await nodeupBundle({ HOIST_NODEUP_BUNDLE: touched })).sha256).toBe(sha256('console.log(2);\n'));
    const garbled = await bundleWithRecord('garbled.mjs', 'console.log(3);\n');
    const info = await stat(garbled);
    await writeFile(`${garbled}.sha256`, `not-a-hash ${info.size}:${info.mtimeMs}\n`);
    expect((await nodeupBundle({ HOIST_NODEUP_BUNDLE: garbled })).sha256).toBe(sha256('console.log(3);\n'));
    const bare = join(dir, 'bare.mjs');
    await writeFile(bare, 'console.log(4);\n');
    expect((await nodeupBundle({ HOIST_NODEUP_BUNDLE: bare })).sha256).toBe(sha256('console.log(4);\n'));
  });

  it('matches the bundle the build wrote (npm run build)', async () => {
    const built = await nodeupBundle({});
    expect(built.sha256).toBe(createHash('sha256').update(await readFile(built.path)).digest('hex'));
  });
});
