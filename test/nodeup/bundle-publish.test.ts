/**
 * The nodeup bundle on the cloud side (cloudup/nodeup/bundle.ts): where hoist finds it, the
 * clear error when it was never built, and its publication into the state store, once per
 * hash, refused when the file changed since the plan.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoistError } from '../../src/errors.js';
import { nodeupBundle, nodeupBundlePath, nodeupBundleUrl, publishNodeupBundle } from '../../cloudup/nodeup/bundle.js';
import { MemfsStore, resetMemfs } from '../../state-store/backends/memfs.js';
import { ROOT } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  resetMemfs('bundle-publish');
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the nodeup bundle', () => {
  it('is dist/nodeup.mjs of the hoist package, or $HOIST_NODEUP_BUNDLE', () => {
    expect(nodeupBundlePath({})).toBe(join(ROOT, 'dist', 'nodeup.mjs'));
    expect(nodeupBundlePath({ HOIST_NODEUP_BUNDLE: join(dir, 'b.mjs') })).toBe(join(dir, 'b.mjs'));
  });

  it('is refused with the fix when it was never built', async () => {
    const missing = join(dir, 'never-built.mjs');
    const error = await nodeupBundle({ HOIST_NODEUP_BUNDLE: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HoistError);
    expect((error as HoistError).code).toBe('NOT_FOUND');
    expect((error as HoistError).message).toBe(`the nodeup bundle ${missing} is missing: every machine of a cluster downloads it at boot, so hoist cannot plan one without it`);
    expect((error as HoistError).hint).toContain('npm run build');
  });

  it('is published once under its hash, and refused if it changed since the plan', async () => {
    const file = join(dir, 'nodeup.mjs');
    await writeFile(file, 'console.log("nodeup");\n');
    const bundle = await nodeupBundle({ HOIST_NODEUP_BUNDLE: file });
    expect(bundle.sha256).toBe(sha256('console.log("nodeup");\n'));
    expect(nodeupBundleUrl('s3://state/clusters/', 'a.example.com', bundle.sha256)).toBe(`s3://state/clusters/a.example.com/nodeup/${bundle.sha256}/nodeup.mjs`);

    const store = new MemfsStore('bundle-publish');
    const key = `a.example.com/nodeup/${bundle.sha256}/nodeup.mjs`;
    expect(await publishNodeupBundle(store, 'a.example.com', bundle)).toBe(key);
    const first = await store.get(key);
    expect(Buffer.from(first!.body).toString('utf8')).toBe('console.log("nodeup");\n');
    expect(await publishNodeupBundle(store, 'a.example.com', bundle)).toBeUndefined();
    expect((await store.get(key))!.etag).toBe(first!.etag);

    // Rebuilt between the plan and the apply: refused, and nothing written under either hash.
    await writeFile(file, 'console.log("another build");\n');
    const error = await publishNodeupBundle(store, 'b.example.com', bundle).catch((e: unknown) => e);
    expect((error as HoistError).code).toBe('CONFLICT');
    expect((error as HoistError).message).toContain(`changed since the plan (sha256 ${bundle.sha256}, now ${sha256('console.log("another build");\n')})`);
    expect(await store.list('b.example.com/')).toEqual([]);
    // The cache notices the new file.
    expect((await nodeupBundle({ HOIST_NODEUP_BUNDLE: file })).sha256).toBe(sha256('console.log("another build");\n'));
  });
});
