/**
 * Copying a cluster's files into a mirror laid out like `spec.assets.fileRepository`
 * (`<root>/<path>` and `<root>/<path>.sha256`), for clusters without internet access (kops's
 * `get assets --copy`). Each file is downloaded to a temporary file, checked against its pin
 * and only then put in place, so the mirror never holds a file that does not match; a file
 * already there with the pinned hash is left alone, so a second run copies nothing.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { HoistError } from '../errors.js';
import type { EventSink } from '../output/events.js';
import type { ChecksumSource } from './catalog.js';
import type { ReadLocation } from './checksums.js';
import { readChecksum } from './checksums.js';
import type { FileEntry } from './inventory.js';
import { downloadTo, readLocation, sha256File } from './location.js';

export interface CopyItem {
  readonly name: string;
  /** Below the mirror's root. */
  readonly path: string;
  /** Where to download it from. */
  readonly source: string;
  /** The pin, when it does not depend on the source (the Node.js runtime, known releases upstream). */
  readonly sha256?: string;
  /** Where the source publishes its sha256, read when `sha256` is not given. */
  readonly checksum?: ChecksumSource;
  /** Used when the source publishes no checksum: the value hoist knows for this release. */
  readonly fallbackSha256?: string;
  /** Checked too, where the project publishes one (Kubernetes). */
  readonly sha512?: string;
}

/** Where copied files go: a folder (`file://`) or an S3 prefix (`s3://`). */
export interface MirrorTarget {
  readonly url: string;
  /** True when `path` is there and its `.sha256` says `sha256`. */
  has(path: string, sha256: string): Promise<boolean>;
  /** Puts the verified file at `path`, with its `.sha256` beside it. */
  place(path: string, file: string, sha256: string): Promise<void>;
  close?(): void;
}

export interface CopyOutcome {
  readonly copied: string[];
  readonly skipped: string[];
  readonly failed: { readonly path: string; readonly message: string }[];
}

/**
 * The files of an inventory as copy items: from `from` (another mirror) when given, else from
 * upstream. The Node.js runtime is pinned by hoist's own value wherever it comes from, as
 * machines check it; other files from a mirror are pinned by that mirror's `.sha256`.
 */
export function copyItems(entries: readonly FileEntry[], from?: string): CopyItem[] {
  const base = from?.replace(/\/+$/, '');
  return entries.flatMap((e): CopyItem[] => {
    if (e.path === undefined) return [];
    const sha512 = e.sha512 === undefined ? {} : { sha512: e.sha512 };
    if (base === undefined) return [{ name: e.name, path: e.path, source: e.source, ...(e.sha256 === undefined ? {} : { sha256: e.sha256 }), ...(e.checksum ? { checksum: e.checksum } : {}), ...sha512 }];
    const source = `${base}/${e.path}`;
    const pin = e.name === 'nodejs' && e.sha256 !== undefined ? { sha256: e.sha256 } : { checksum: { url: `${source}.sha256` }, ...(e.sha256 === undefined ? {} : { fallbackSha256: e.sha256 }) };
    return [{ name: e.name, path: e.path, source, ...pin }];
  });
}

async function pinOf(item: CopyItem, read: ReadLocation): Promise<string> {
  if (item.sha256 !== undefined) return item.sha256;
  if (item.checksum === undefined) throw new HoistError('NOT_FOUND', `no sha256 is known or published for ${item.source}`);
  try {
    return await readChecksum(item.checksum, read);
  } catch (e) {
    if (item.fallbackSha256 !== undefined && e instanceof HoistError && e.code === 'NOT_FOUND') return item.fallbackSha256;
    throw e;
  }
}

async function sha512File(path: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export interface CopyOptions {
  readonly events: EventSink;
  readonly read?: ReadLocation;
}

export async function copyToMirror(items: readonly CopyItem[], target: MirrorTarget, options: CopyOptions): Promise<CopyOutcome> {
  const read = options.read ?? readLocation;
  const outcome: CopyOutcome = { copied: [], skipped: [], failed: [] };
  const work = await mkdtemp(join(tmpdir(), 'hoist-copy-'));
  const say = (level: 'info' | 'warn', code: string, message: string, data: Record<string, unknown>) => options.events({ level, code, message, data });
  try {
    for (const [i, item] of items.entries()) {
      const step = `[${i + 1}/${items.length}]`;
      try {
        const sha256 = await pinOf(item, read);
        if (await target.has(item.path, sha256)) {
          outcome.skipped.push(item.path);
          say('info', 'assets.copy-skipped', `${step} ${item.path}: already in the mirror with sha256 ${sha256}`, { path: item.path, sha256 });
          continue;
        }
        say('info', 'assets.copy-started', `${step} ${item.path}: downloading ${item.source}`, { path: item.path, source: item.source });
        const file = join(work, `${i}-${basename(item.path)}`);
        const actual = await downloadTo(item.source, file);
        if (actual !== sha256) throw new HoistError('CONFLICT', `sha256 mismatch for ${item.source}: pinned ${sha256}, downloaded ${actual}; not copied`);
        if (item.sha512 !== undefined) {
          const actual512 = await sha512File(file);
          if (actual512 !== item.sha512) throw new HoistError('CONFLICT', `sha512 mismatch for ${item.source}: published ${item.sha512}, downloaded ${actual512}; not copied`);
        }
        await target.place(item.path, file, sha256);
        await rm(file, { force: true });
        outcome.copied.push(item.path);
        const size = (await sizeOf(target, item.path)) ?? '';
        say('info', 'assets.copied', `${step} ${item.path}: copied${size}, sha256 ${sha256}`, { path: item.path, sha256 });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        outcome.failed.push({ path: item.path, message });
        say('warn', 'assets.copy-failed', `${step} ${item.path}: ${message}`, { path: item.path });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return outcome;
}

async function sizeOf(target: MirrorTarget, path: string): Promise<string | undefined> {
  if (!target.url.startsWith('file://')) return undefined;
  const info = await stat(join(fileURLToPath(target.url), path)).catch(() => undefined);
  return info === undefined ? undefined : ` (${(info.size / 1_048_576).toFixed(1)} MiB)`;
}

/** A mirror in a folder, read by machines through `file://` (a shared disk, the local cloud). */
export function folderTarget(url: string): MirrorTarget {
  const root = fileURLToPath(url);
  return {
    url,
    async has(path, sha256) {
      const file = join(root, path);
      const sum = await readFile(`${file}.sha256`, 'utf8').catch(() => undefined);
      if (sum?.trim().split(/\s+/)[0] !== sha256) return false;
      // The sidecar could be stale: what counts is the file's own bytes.
      return (await sha256File(file).catch(() => undefined)) === sha256;
    },
    async place(path, file, sha256) {
      const dest = join(root, path);
      await mkdir(dirname(dest), { recursive: true });
      const partial = `${dest}.partial-${process.pid}`;
      await copyFile(file, partial);
      await rename(partial, dest);
      await writeFile(`${dest}.sha256.partial-${process.pid}`, `${sha256}  ${basename(path)}\n`);
      await rename(`${dest}.sha256.partial-${process.pid}`, `${dest}.sha256`);
    },
  };
}
