/**
 * Reading an asset location: `file://` (a mirror on a shared disk, the local cloud's stand-in
 * mirror) or `http(s)://` (release buckets, HTTP mirrors). Downloads stream to disk and are
 * hashed on the way, so a large archive is never held in memory.
 */

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { HoistError } from '../errors.js';
import type { HashAlgorithm } from './catalog.js';

const TIMEOUT_MS = 120_000;

function scheme(url: string): 'file' | 'http' {
  if (url.startsWith('file://')) return 'file';
  if (url.startsWith('http://') || url.startsWith('https://')) return 'http';
  throw new HoistError('INVALID_SPEC', `${url}: unsupported asset location`, { hint: 'use an https://, http:// or file:/// URL (spec.assets.fileRepository)' });
}

function unreadable(url: string, cause: unknown): HoistError {
  const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return new HoistError('NOT_FOUND', `cannot read ${url}: ${reason}`, { cause, hint: 'is the asset repository reachable, and does it hold this file?' });
}

/** The whole body of a small object, such as a `.sha256` file. */
export async function readLocation(url: string): Promise<Buffer> {
  try {
    if (scheme(url) === 'file') return await readFile(fileURLToPath(url));
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  } catch (e) {
    if (e instanceof HoistError) throw e;
    throw unreadable(url, e);
  }
}

/**
 * Copies `url` to `dest` (through a temporary file, renamed at the end so that a half
 * download never sits at `dest`) and returns the hash of what was written (sha256 unless
 * `algorithm` says otherwise), in hex.
 */
export async function downloadTo(url: string, dest: string, algorithm: HashAlgorithm = 'sha256'): Promise<string> {
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.partial-${process.pid}`;
  const hash = createHash(algorithm);
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    let source: NodeJS.ReadableStream;
    if (scheme(url) === 'file') {
      source = createReadStream(fileURLToPath(url));
    } else {
      const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      source = Readable.fromWeb(response.body as WebReadableStream);
    }
    await pipeline(source, hashing, createWriteStream(partial));
    await rename(partial, dest);
    return hash.digest('hex');
  } catch (e) {
    await rm(partial, { force: true });
    if (e instanceof HoistError) throw e;
    throw unreadable(url, e);
  }
}

/** The hash of a file on disk, in hex. */
export async function hashFile(path: string, algorithm: HashAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The sha256 of a file on disk, in hex. */
export function sha256File(path: string): Promise<string> {
  return hashFile(path, 'sha256');
}
