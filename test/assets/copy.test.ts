/**
 * Copying files into a mirror: from a loopback HTTP server and from a folder, each download
 * checked against its pin before it is put in place, and a second run copying nothing.
 */

import { createHash } from 'node:crypto';
import { readFile, mkdir, writeFile, access } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyItems, copyToMirror, folderTarget } from '../../src/assets/copy.js';
import type { CopyItem } from '../../src/assets/copy.js';
import type { FileEntry } from '../../src/assets/inventory.js';
import { recorder } from '../../src/output/events.js';
import { tempDir } from '../support/cli.js';

const sha = (algo: 'sha256' | 'sha512', body: string | Buffer) => createHash(algo).update(body).digest('hex');
const FILES: Record<string, string> = {
  'etcd/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz': 'etcd archive bytes\n',
  'kubernetes/v1.99.0/kubernetes-node-linux-amd64.tar.gz': 'kubernetes node archive bytes\n',
};

let dir: { path: string; cleanup: () => Promise<void> };
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  dir = await tempDir('hoist-copy-');
  for (const [path, body] of Object.entries(FILES)) {
    await mkdir(join(dir.path, 'src', path, '..'), { recursive: true });
    await writeFile(join(dir.path, 'src', path), body);
    await writeFile(join(dir.path, 'src', `${path}.sha256`), `${sha('sha256', body)}  ${path.split('/').pop()}\n`);
  }
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = FILES[(req.url ?? '').slice(1)];
    if (body === undefined) res.writeHead(404).end('not found');
    else res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dir.cleanup();
});

const pinned = (path: string, extra: Partial<CopyItem> = {}): CopyItem => ({ name: path.split('/')[0]!, path, source: `${base}/${path}`, sha256: sha('sha256', FILES[path]!), ...extra });

describe('copying into a mirror', () => {
  it('copies each verified file with its .sha256, and a second run copies nothing', async () => {
    const to = join(dir.path, 'mirror-a');
    const items = Object.keys(FILES).map((p) => pinned(p, p.startsWith('kubernetes') ? { sha512: sha('sha512', FILES[p]!) } : {}));
    const events = recorder();
    const first = await copyToMirror(items, folderTarget(pathToFileURL(to).href), { events: events.sink });
    expect(first).toEqual({ copied: Object.keys(FILES), skipped: [], failed: [] });
    for (const [path, body] of Object.entries(FILES)) {
      expect(await readFile(join(to, path), 'utf8')).toBe(body);
      expect(await readFile(join(to, `${path}.sha256`), 'utf8')).toBe(`${sha('sha256', body)}  ${path.split('/').pop()}\n`);
    }
    expect(events.events.map((e) => e.message)).toEqual([
      `[1/2] etcd/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz: downloading ${base}/etcd/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz`,
      `[1/2] etcd/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz: copied (0.0 MiB), sha256 ${items[0]!.sha256}`,
      `[2/2] kubernetes/v1.99.0/kubernetes-node-linux-amd64.tar.gz: downloading ${base}/kubernetes/v1.99.0/kubernetes-node-linux-amd64.tar.gz`,
      `[2/2] kubernetes/v1.99.0/kubernetes-node-linux-amd64.tar.gz: copied (0.0 MiB), sha256 ${items[1]!.sha256}`,
    ]);

    requests.length = 0;
    const second = await copyToMirror(items, folderTarget(pathToFileURL(to).href), { events: () => undefined });
    expect(second).toEqual({ copied: [], skipped: Object.keys(FILES), failed: [] });
    expect(requests).toEqual([]);
  });

  it('refuses a download that differs from its sha256 or sha512 pin, and leaves nothing of it in the mirror', async () => {
    const to = join(dir.path, 'mirror-b');
    const [etcd, kube] = Object.keys(FILES) as [string, string];
    const bad256 = pinned(etcd, { sha256: sha('sha256', 'something else') });
    const bad512 = pinned(kube, { sha512: sha('sha512', 'something else') });
    const out = await copyToMirror([bad256, bad512], folderTarget(pathToFileURL(to).href), { events: () => undefined });
    expect(out.copied).toEqual([]);
    expect(out.failed).toEqual([
      { path: etcd, message: `sha256 mismatch for ${base}/${etcd}: pinned ${bad256.sha256}, downloaded ${sha('sha256', FILES[etcd]!)}; not copied` },
      { path: kube, message: `sha512 mismatch for ${base}/${kube}: published ${bad512.sha512}, downloaded ${sha('sha512', FILES[kube]!)}; not copied` },
    ]);
    await expect(access(join(to, etcd))).rejects.toThrow();
    await expect(access(join(to, kube))).rejects.toThrow();
  });

  it('copies from another mirror on file://, pinned by that mirror\'s .sha256, and re-copies a file whose bytes changed in the target', async () => {
    const to = join(dir.path, 'mirror-c');
    const entries: FileEntry[] = Object.keys(FILES).map((path) => ({ kind: 'file', name: path.split('/')[0]!, version: '0', roles: ['Node'], path, source: `https://upstream.invalid/${path}`, pin: 'plan' }));
    const items = copyItems(entries, pathToFileURL(join(dir.path, 'src')).href);
    expect(items[0]).toEqual({ name: 'etcd', path: Object.keys(FILES)[0], source: pathToFileURL(join(dir.path, 'src', Object.keys(FILES)[0]!)).href, checksum: { url: `${pathToFileURL(join(dir.path, 'src', Object.keys(FILES)[0]!)).href}.sha256` } });
    const target = folderTarget(pathToFileURL(to).href);
    expect((await copyToMirror(items, target, { events: () => undefined })).copied).toHaveLength(2);
    // A file changed in place (its .sha256 still right) is not taken as present.
    await writeFile(join(to, Object.keys(FILES)[0]!), 'tampered');
    expect(await copyToMirror(items, target, { events: () => undefined })).toEqual({ copied: [Object.keys(FILES)[0]], skipped: [Object.keys(FILES)[1]], failed: [] });
    expect(await readFile(join(to, Object.keys(FILES)[0]!), 'utf8')).toBe(FILES[Object.keys(FILES)[0]!]);
  });
});
