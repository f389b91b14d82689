/**
 * nodeup's Archive task checks a download against the hash the plan pinned: the sha512 where
 * that is what is pinned (Kubernetes's tarballs of a default cluster), as it checks a sha256.
 * A tarball laid out as Kubernetes's node tarball is, on file://, with one byte changed in a
 * second copy.
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedFields } from '../../src/engine/task.js';
import type { NodeContext } from '../../nodeup/context.js';
import { ArchiveKind, archiveTask } from '../../nodeup/tasks/archive.js';
import type { ArchiveFields } from '../../nodeup/tasks/archive.js';
import { tempDir } from '../support/cli.js';
import { filesBelow } from '../boot/support.js';

let dir: { path: string; cleanup: () => Promise<void> };
let good: { url: string; sha512: string; sha256: string };
let bad: { url: string; sha512: string };

const hash = (algorithm: string, body: Buffer) => createHash(algorithm).update(body).digest('hex');

beforeAll(async () => {
  dir = await tempDir('hoist-archive-pin-');
  const staging = join(dir.path, 'staging');
  await mkdir(join(staging, 'kubernetes/node/bin'), { recursive: true });
  await writeFile(join(staging, 'kubernetes/node/bin/kubelet'), '#!/bin/sh\necho kubelet\n', { mode: 0o755 });
  const archive = join(dir.path, 'kubernetes-node-linux-amd64.tar.gz');
  await create({ gzip: true, cwd: staging, file: archive, portable: true }, ['kubernetes']);
  const body = await readFile(archive);
  good = { url: pathToFileURL(archive).href, sha512: hash('sha512', body), sha256: hash('sha256', body) };
  const changed = Buffer.from(body);
  changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
  const tampered = join(dir.path, 'tampered.tar.gz');
  await writeFile(tampered, changed);
  bad = { url: pathToFileURL(tampered).href, sha512: hash('sha512', changed) };
});

afterAll(async () => {
  await dir?.cleanup();
});

/** The Archive task's create, on a machine root of its own: it reads only the root of its context. */
function install(root: string, fields: ArchiveFields) {
  const task = archiveTask('kubernetes-node', fields);
  const ctx = { root, rooted: true, wanted: new Map(), events: () => undefined } as unknown as NodeContext;
  return ArchiveKind.create(ctx, task, task.desired as ResolvedFields);
}

describe('an archive pinned by sha512', () => {
  it('is downloaded, checked against its sha512, cached under it and extracted', async () => {
    const root = join(dir.path, 'machine-a');
    await install(root, { source: good.url, sha256: '', sha512: good.sha512, targetDir: '/usr/local/bin', strip: 3, files: ['kubelet'] });
    expect(await filesBelow(root)).toEqual([`usr/local/bin/kubelet`, `var/cache/hoist/nodeup/${good.sha512}.tar.gz`, 'var/lib/hoist/nodeup/archives/kubernetes-node.json']);
    // A second run finds the verified copy in the cache: the source may be gone by then.
    await install(root, { source: pathToFileURL(join(dir.path, 'gone.tar.gz')).href, sha256: '', sha512: good.sha512, targetDir: '/usr/local/bin', strip: 3, files: ['kubelet'] });
  });

  it('is refused when one byte differs, naming both sha512s, and nothing of it is kept', async () => {
    const root = join(dir.path, 'machine-b');
    await expect(install(root, { source: bad.url, sha256: '', sha512: good.sha512, targetDir: '/usr/local/bin', strip: 3, files: ['kubelet'] })).rejects.toThrow(
      `sha512 mismatch for ${bad.url}: expected ${good.sha512}, got ${bad.sha512}`,
    );
    expect(await filesBelow(root)).toEqual([]);
  });

  it('a sha256 pin still works, and an archive with neither is refused before any download', async () => {
    const root = join(dir.path, 'machine-c');
    await install(root, { source: good.url, sha256: good.sha256, targetDir: '/usr/local/bin', strip: 3, files: ['kubelet'] });
    expect(await filesBelow(join(root, 'var/cache'))).toEqual([`hoist/nodeup/${good.sha256}.tar.gz`]);
    await expect(install(join(dir.path, 'machine-d'), { source: good.url, sha256: '', targetDir: '/usr/local/bin', strip: 3, files: ['kubelet'] })).rejects.toThrow(
      `no sha256 or sha512 is pinned for ${good.url}: nodeup downloads nothing it cannot check`,
    );
    expect(await filesBelow(join(dir.path, 'machine-d'))).toEqual([]);
  });
});
