/**
 * file:// — objects are plain files below a root folder (`<root>/<key>`), so people can read
 * them with any tool, and a folder on shared storage can serve a small team.
 *
 * How the S3 semantics are kept across processes:
 * - every write goes to a temp file in the key's folder first, is fsync'ed, then takes the
 *   final name in one step, so readers see the old or the new bytes, never a mix;
 * - `ifNoneMatch: '*'` takes the final name with `link()`, which fails atomically if the name
 *   exists: no lock is needed, and twenty racing processes get exactly one winner;
 * - every other write and every delete holds the key's mutex (see file-mutex.ts) around
 *   "check the current ETag, then rename or unlink", so a stale writer cannot slip in between.
 *
 * Temp files and mutexes end in reserved suffixes (see keys.ts): keys cannot name them and
 * `list()` never shows them. Neither survives a call, whether its condition held or not; what a
 * killed writer leaves is removed by the next write to its folder (see file-leftovers.ts).
 */

import { link, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HoistError } from '../../src/errors.js';
import type { DeleteCondition, ObjectStore, PutCondition, StoredObject } from '../object-store.js';
import { PreconditionFailedError } from '../object-store.js';
import { isReservedName, isValidKey, validateKey, validatePrefix } from '../keys.js';
import { contentEtag } from './etag.js';
import type { FileMutexOptions } from './file-mutex.js';
import { withFileMutex } from './file-mutex.js';
import { removeLeftovers, tempPath } from './file-leftovers.js';

export interface FileStoreOptions {
  readonly mutex?: FileMutexOptions;
  /** Called once a put's temp file is written, before it takes its name (a test hook). */
  readonly afterTempWritten?: () => void;
}

// The store holds CA keys and tokens: what hoist creates is private to its owner.
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Codes that mean "there is no object at this key". */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

export class FileStore implements ObjectStore {
  readonly url: string;
  /** Absolute path of the store's root folder. */
  readonly root: string;
  readonly #mutex: FileMutexOptions;
  readonly #afterTempWritten: (() => void) | undefined;
  /** Folders this store has cleared of leftovers: once per folder and process is enough. */
  readonly #swept = new Set<string>();

  constructor(root: string, options: FileStoreOptions = {}) {
    this.root = root;
    this.url = pathToFileURL(root).href;
    this.#mutex = options.mutex ?? {};
    this.#afterTempWritten = options.afterTempWritten;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.#path(key);
    const body = await readIfExists(path).catch((e: unknown) => {
      throw storeError('read', key, e);
    });
    return body === undefined ? undefined : { body, etag: contentEtag(body) };
  }

  async put(key: string, body: Uint8Array | string, condition: PutCondition = {}): Promise<{ readonly etag: string }> {
    const path = this.#path(key);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = contentEtag(bytes);
    const tmp = tempPath(path);
    try {
      await this.#prepareFolder(dirname(path));
      await writeDurably(tmp, bytes);
      this.#afterTempWritten?.();
      if (condition.ifNoneMatch === '*' && condition.ifMatch === undefined && (await createExclusive(key, tmp, path))) {
        return { etag };
      }
      await withFileMutex(
        path,
        async () => {
          await checkCondition(key, path, condition);
          await rename(tmp, path);
        },
        this.#mutex,
      );
      return { etag };
    } catch (e) {
      throw storeError('write', key, e);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async delete(key: string, condition: DeleteCondition = {}): Promise<void> {
    const path = this.#path(key);
    try {
      await withFileMutex(
        path,
        async () => {
          await checkCondition(key, path, condition);
          await unlink(path).catch((e: unknown) => {
            if (!isMissing(e)) throw e;
          });
        },
        this.#mutex,
      );
    } catch (e) {
      // No folder for the mutex means no object either.
      if (isMissing(e)) {
        if (condition.ifMatch !== undefined) throw new PreconditionFailedError(key, 'does not exist');
        return;
      }
      throw storeError('delete', key, e);
    }
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    // Start from the deepest folder the prefix names in full; its last part may be a partial name.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    try {
      await this.#walk(base, prefix, keys);
    } catch (e) {
      throw storeError('list', prefix, e);
    }
    return keys.sort();
  }

  async #walk(folderKey: string, prefix: string, into: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(folderKey === '' ? this.root : join(this.root, folderKey), { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    for (const entry of entries) {
      if (isReservedName(entry.name)) continue;
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      if (entry.isDirectory()) {
        const asFolder = `${key}/`;
        if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) await this.#walk(key, prefix, into);
      } else if (entry.isFile() && key.startsWith(prefix) && isValidKey(key)) {
        into.push(key);
      }
    }
  }

  async #prepareFolder(dir: string): Promise<void> {
    await makeFolders(dir);
    if (this.#swept.has(dir)) return;
    this.#swept.add(dir);
    await removeLeftovers(dir, this.#mutex.staleMs);
  }

  #path(key: string): string {
    validateKey(key);
    return join(this.root, ...key.split('/'));
  }
}

/** Throws PreconditionFailedError unless the object at `path` meets `condition`. Call under the mutex. */
async function checkCondition(key: string, path: string, condition: PutCondition): Promise<void> {
  if (condition.ifMatch === undefined && condition.ifNoneMatch === undefined) return;
  const current = await readIfExists(path);
  if (condition.ifNoneMatch === '*' && current !== undefined) {
    throw new PreconditionFailedError(key, 'already exists');
  }
  if (condition.ifMatch !== undefined) {
    if (current === undefined) throw new PreconditionFailedError(key, 'does not exist any more');
    if (contentEtag(current) !== condition.ifMatch) throw new PreconditionFailedError(key, 'was changed by someone else');
  }
}

/**
 * Gives `tmp` the name `path` unless `path` exists. Returns false when this file system has no
 * hard links, so the caller must fall back to the mutex.
 */
async function createExclusive(key: string, tmp: string, path: string): Promise<boolean> {
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new PreconditionFailedError(key, 'already exists');
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return false;
    throw e;
  }
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir never returns where mkdir answers ENOENT
 * below a folder that exists (in /proc, say); here that is an error.
 */
async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if ((await stat(d)).isDirectory()) break;
      throw Object.assign(new Error(`${d} is not a folder`), { code: 'ENOTDIR' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    await mkdir(d, { mode: DIR_MODE }).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    });
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'wx', FILE_MODE);
  try {
    await fh.writeFile(bytes);
    // Without it a crash soon after the rename can leave an empty file under the final name.
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

function isMissing(e: unknown): boolean {
  return MISSING.has((e as NodeJS.ErrnoException | undefined)?.code ?? '');
}

function storeError(action: string, key: string, e: unknown): unknown {
  if (e instanceof HoistError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const detail = e instanceof Error ? e.message : String(e);
  return new HoistError('STORE', `file store: cannot ${action} ${JSON.stringify(key)}: ${detail}`, {
    cause: e,
    hint: code === 'EACCES' || code === 'EPERM' ? 'check the permissions of the state store folder' : undefined,
  });
}
