/** What only the file:// backend has: real files people can read, and its own helper files. */

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../state-store/backends/file.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('file:// store', () => {
  let root: string;
  let store: FileStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hoist-file-'));
    store = new FileStore(root, { mutex: { staleMs: 2_000, timeoutMs: 5_000 } });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps each object as a plain file at <root>/<key>, private to its owner', async () => {
    await store.put('demo.example.com/config', 'kind: Cluster\n');
    expect(await readFile(join(root, 'demo.example.com', 'config'), 'utf8')).toBe('kind: Cluster\n');
    expect((await stat(join(root, 'demo.example.com', 'config'))).mode & 0o777).toBe(0o600);
    expect(store.url).toBe(`file://${root}`);
  });

  it('leaves no temp or mutex file behind, whether a condition held or not', async () => {
    const { etag } = await store.put('c/spec', 'v1');
    await store.put('c/spec', 'v2', { ifMatch: etag });
    await expect(store.put('c/spec', 'v3', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('c/spec', 'v3', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    await store.put('c/new', 'x', { ifNoneMatch: '*' });
    await expect(store.delete('c/new', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await store.delete('c/new');
    await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put('c/race', String(i), { ifNoneMatch: '*' })));
    expect(await allFiles(root)).toEqual(['c/race', 'c/spec']);
  });

  it('hides helper files left by a crash from list(), and keys cannot name them', async () => {
    await store.put('c/config', 'x');
    await writeFile(join(root, 'c', 'config.1234.hoist-tmp'), 'half');
    await writeFile(join(root, 'c', 'config.hoist-lock'), '{}');
    await writeFile(join(root, 'c', 'bad\\name'), 'not a valid key');
    expect(await store.list('c/')).toEqual(['c/config']);
    await expect(store.get('c/config.hoist-lock')).rejects.toMatchObject({ code: 'INVALID_NAME' });
  });

  it('breaks a mutex left by a dead process of this host at once', async () => {
    await store.put('c/spec', 'v1');
    const lock = join(root, 'c', 'spec.hoist-lock');
    await writeFile(lock, JSON.stringify({ pid: deadPid(), host: (await import('node:os')).hostname(), token: 'gone' }));
    const started = Date.now();
    await store.put('c/spec', 'v2');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await allFiles(root)).toEqual(['c/spec']);
  });

  it('breaks a mutex older than staleMs whose holder cannot be probed', async () => {
    await store.put('c/spec', 'v1');
    const lock = join(root, 'c', 'spec.hoist-lock');
    await writeFile(lock, JSON.stringify({ pid: 1, host: 'another-host', token: 'remote' }));
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await store.delete('c/spec');
    expect(await allFiles(root)).toEqual([]);
  });

  it('waits for a live mutex, then gives up with a STORE error naming it', async () => {
    await store.put('c/spec', 'v1');
    await writeFile(join(root, 'c', 'spec.hoist-lock'), JSON.stringify({ pid: process.pid, host: 'here', token: 'held' }));
    const quick = new FileStore(root, { mutex: { staleMs: 60_000, timeoutMs: 300 } });
    await expect(quick.put('c/spec', 'v2')).rejects.toMatchObject({ code: 'STORE', message: expect.stringContaining('spec.hoist-lock') });
    expect(await readFile(join(root, 'c', 'spec'), 'utf8')).toBe('v1');
  });

  it('reads a missing root as an empty store, and creates it on the first write', async () => {
    const fresh = new FileStore(join(root, 'not', 'yet'));
    expect(await fresh.list('')).toEqual([]);
    expect(await fresh.get('c/config')).toBeUndefined();
    await fresh.delete('c/config');
    await fresh.put('c/config', 'x');
    expect(await fresh.list('')).toEqual(['c/config']);
  });

  it('treats a folder as no object, and reports a file in the way of a folder as a STORE error', async () => {
    await mkdir(join(root, 'c', 'dir'), { recursive: true });
    expect(await store.get('c/dir')).toBeUndefined();
    await store.put('c/file', 'x');
    await expect(store.put('c/file/below', 'y')).rejects.toMatchObject({ code: 'STORE' });
    expect(await store.get('c/file/below')).toBeUndefined();
  });
});
