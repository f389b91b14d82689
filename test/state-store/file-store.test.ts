/** What only the file:// backend has: real files people can read, and its own helper files. */

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { FileStore } from '../../state-store/backends/file.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import { Children } from './fixtures/children.js';

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

const children = new Children();
afterAll(() => children.killAll());

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
    // Not stale for an hour, and no wait allowed: only knowing its holder dead lets the write through.
    const impatient = new FileStore(root, { mutex: { staleMs: 3_600_000, timeoutMs: 0 } });
    await impatient.put('c/spec', 'v2');
    expect(await readFile(join(root, 'c', 'spec'), 'utf8')).toBe('v2');
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

  it('removes the temp file of a writer killed before its rename on the next write to that folder, and never lists it', async () => {
    await store.put('c/instancegroup/nodes', 'v1');
    await store.put('c/history/00000001', '{}');
    // Step 1 is the put itself, step 2 its temp file written: the writer dies between them.
    const writer = children.spawn('put-once.ts', [pathToFileURL(root).href, 'c/instancegroup/nodes', 'v2'], { HOIST_TEST_CRASH_AT: '2' });
    expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const left = (await allFiles(root)).filter((f) => f.endsWith('.hoist-tmp'));
    expect(left).toEqual([expect.stringMatching(/^c\/instancegroup\/nodes\..+\.hoist-tmp$/)]);
    expect(await store.list('')).toEqual(['c/history/00000001', 'c/instancegroup/nodes']);
    expect(new TextDecoder().decode((await store.get('c/instancegroup/nodes'))?.body)).toBe('v1');

    // A write to another folder leaves it; the next write to its own folder removes it.
    const next = new FileStore(root);
    await next.put('c/history/00000002', '{}');
    expect((await allFiles(root)).filter((f) => f.endsWith('.hoist-tmp'))).toEqual(left);
    await next.put('c/instancegroup/other', 'x');
    expect(await allFiles(root)).toEqual(['c/history/00000001', 'c/history/00000002', 'c/instancegroup/nodes', 'c/instancegroup/other']);
  });

  it('removes helper files whose writer cannot be probed once they are older than any write takes', async () => {
    await mkdir(join(root, 'c', 'history'), { recursive: true });
    const old = join(root, 'c', 'history', '00000003.1a2b3c4d5e6f7a8b.hoist-tmp');
    const aside = join(root, 'c', 'history', 'lock.hoist-lock.0a1b2c3d4e5f.hoist-stale');
    const fresh = join(root, 'c', 'history', '00000004.ffffffff-1-0a0b0c.hoist-tmp');
    for (const f of [old, aside, fresh]) await writeFile(f, 'half');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);
    await utimes(aside, hourAgo, hourAgo);
    await store.put('c/history/00000001', '{}');
    // The fresh one may be another host's write in progress: it stays.
    expect(await allFiles(root)).toEqual(['c/history/00000001', 'c/history/00000004.ffffffff-1-0a0b0c.hoist-tmp']);
  });

  it('refuses to write where the file system takes no folders (/proc), instead of retrying for ever', async () => {
    const proc = new FileStore('/proc/self');
    await expect(proc.put('c/config', 'x')).rejects.toMatchObject({ code: 'STORE', message: expect.stringContaining('cannot write "c/config"') });
  });
});

