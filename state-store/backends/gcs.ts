/**
 * gs://bucket[/prefix] — the store on Google Cloud Storage, through `@google-cloud/storage` (the
 * JSON API), using GCS's own preconditions, which GCS applies with the write as one step: a
 * write with `ifGenerationMatch: 0` creates only, one with `ifGenerationMatch: G` replaces (or
 * deletes) only generation G.
 *
 * An object's ETag here is its MD5 (hex, quoted, as S3 shows a simple upload's), not its
 * generation: the store's contract is that writing the same bytes again gives the same ETag (a
 * rolled-back change puts the old bytes back, and readers that hold the old ETag must still
 * match). So `ifMatch: etag` becomes "the generation whose MD5 is etag": the generation this
 * store last saw with that MD5 is tried first (one request, the usual case of a read then a
 * write), and after a 412, or without one, the object's metadata is read and the write is
 * conditional on the generation found there.
 *
 * This module loads the GCS client: open.ts imports it only for gs:// URLs.
 */

import type { File } from '@google-cloud/storage';
import { Storage } from '@google-cloud/storage';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { silent } from '../../src/output/events.js';
import type { DeleteCondition, ListedObject, ObjectStore, PutCondition, StoredObject } from '../object-store.js';
import { PreconditionFailedError } from '../object-store.js';
import { isValidKey, validateKey, validatePrefix } from '../keys.js';
import { gcsErrorOf, storageOptions } from './gcs-client.js';

export interface GcsStoreOptions {
  readonly bucket: string;
  /** Folder inside the bucket, without leading or trailing `/`; empty for the bucket's root. */
  readonly prefix?: string;
  /** Where the endpoint and the choice of credentials come from; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly events?: EventSink;
  /** Objects per list page; GCS returns at most 1,000. */
  readonly pageSize?: number;
  /** False: no retries of 429, 5xx and dropped connections (the library's backoff), for tests of failures. */
  readonly retry?: boolean;
}

export class GcsStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #storage: Storage;
  readonly #readAttempts: number;
  readonly #events: EventSink;
  readonly #pageSize: number;
  readonly #endpoint: string | undefined;
  /** The generation last seen of each key, with its ETag: what a conditional write tries first. */
  readonly #seen = new Map<string, Version>();

  constructor(options: GcsStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.url = `gs://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.#events = options.events ?? silent;
    this.#pageSize = options.pageSize ?? 1000;
    const { storage, endpoint } = storageOptions(options.env ?? process.env);
    this.#endpoint = endpoint;
    this.#storage = new Storage(options.retry === false ? { ...storage, retryOptions: { autoRetry: false } } : storage);
    this.#readAttempts = options.retry === false ? 1 : READ_ATTEMPTS;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.#file(key);
    try {
      const { body, version } = await readRetrying(file, this.#readAttempts);
      this.#seen.set(key, version);
      return { body, etag: version.etag };
    } catch (e) {
      const error = gcsErrorOf(e);
      if (error.status === 404 && !error.noBucket) {
        this.#seen.delete(key);
        return undefined;
      }
      throw this.#error('read', key, e);
    }
  }

  async put(key: string, body: Uint8Array | string, condition: PutCondition = {}): Promise<{ readonly etag: string }> {
    const file = this.#file(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    // One request (a multipart upload), not a resumable session: state objects are small.
    const save = (ifGenerationMatch?: string) =>
      file.save(bytes, { resumable: false, contentType: 'application/octet-stream', ...(ifGenerationMatch === undefined ? {} : { preconditionOpts: { ifGenerationMatch } }) });
    try {
      if (condition.ifNoneMatch === '*') await save('0');
      else if (condition.ifMatch !== undefined) await this.#onVersion(key, condition.ifMatch, save);
      else await save();
    } catch (e) {
      // A retried request whose first attempt was applied also lands here, as a conflict with
      // itself: callers that must know (the lock) recognise their own write by its content.
      throw this.#conditionError(key, e, condition) ?? this.#error('write', key, e);
    }
    const version = versionOf(file.metadata);
    if (version === undefined) throw this.#error('write', key, new Error('the response has no generation'));
    this.#seen.set(key, version);
    return { etag: version.etag };
  }

  async delete(key: string, condition: DeleteCondition = {}): Promise<void> {
    const file = this.#file(key);
    const remove = (ifGenerationMatch?: string) => file.delete(ifGenerationMatch === undefined ? {} : { ifGenerationMatch });
    try {
      if (condition.ifMatch === undefined) await remove();
      else await this.#onVersion(key, condition.ifMatch, remove);
    } catch (e) {
      const error = gcsErrorOf(e);
      if (condition.ifMatch === undefined && error.status === 404 && !error.noBucket) return;
      throw this.#conditionError(key, e, condition) ?? this.#error('delete', key, e);
    } finally {
      this.#seen.delete(key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listWithEtags(prefix)).map((o) => o.key);
  }

  async listWithEtags(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const root = this.prefix === '' ? '' : `${this.prefix}/`;
    const objects: ListedObject[] = [];
    const bucket = this.#storage.bucket(this.bucket);
    let pageToken: string | undefined;
    try {
      do {
        const [files, next] = await bucket.getFiles({ prefix: root + prefix, maxResults: this.#pageSize, autoPaginate: false, ...(pageToken ? { pageToken } : {}) });
        for (const file of files) {
          const key = file.name.slice(root.length);
          const version = versionOf(file.metadata);
          // Objects that no other backend could hold (`a//b`, `x/../y`) are not part of the store.
          if (version !== undefined && isValidKey(key)) objects.push({ key, etag: version.etag });
        }
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } while (pageToken !== undefined);
    } catch (e) {
      throw this.#error('list', prefix, e);
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Runs `write` conditional on the generation whose content has ETag `etag`: the one last seen
   * first, then the current one as the object's metadata gives it, until the object holds other
   * bytes (a 412 for the caller) or the write goes through. Another writer may put the same bytes
   * in between: their generation is new, their ETag the same, so that is tried too.
   */
  async #onVersion(key: string, etag: string, write: (generation: string) => Promise<unknown>): Promise<void> {
    const seen = this.#seen.get(key);
    if (seen?.etag === etag) {
      try {
        await write(seen.generation);
        return;
      } catch (e) {
        if (gcsErrorOf(e).status !== 412) throw e;
      }
    }
    for (let attempt = 1; ; attempt++) {
      const [metadata] = await this.#file(key).getMetadata();
      const current = versionOf(metadata);
      if (current?.etag !== etag) throw new PreconditionFailedError(key, 'was changed by someone else');
      try {
        await write(current.generation);
        return;
      } catch (e) {
        if (gcsErrorOf(e).status !== 412 || attempt >= 5) throw e;
      }
    }
  }

  #file(key: string): File {
    validateKey(key);
    return this.#storage.bucket(this.bucket).file(this.prefix === '' ? key : `${this.prefix}/${key}`);
  }

  #conditionError(key: string, e: unknown, condition: PutCondition): PreconditionFailedError | undefined {
    const error = gcsErrorOf(e);
    if (error.status === 412) return new PreconditionFailedError(key, condition.ifNoneMatch === '*' ? 'already exists' : 'was changed by someone else');
    // A delete with a generation of an object that is gone is a 404, not a 412.
    if (condition.ifMatch !== undefined && error.status === 404 && !error.noBucket) return new PreconditionFailedError(key, 'does not exist any more');
    return undefined;
  }

  #error(action: string, key: string, e: unknown): HoistError {
    if (e instanceof HoistError) return e;
    const error = gcsErrorOf(e);
    const where = `${JSON.stringify(key)} in ${this.url}`;
    if (error.noBucket) {
      return new HoistError('STORE', `the state store bucket "${this.bucket}" does not exist`, {
        cause: e,
        hint: `create it with: gcloud storage buckets create gs://${this.bucket} --uniform-bucket-level-access`,
      });
    }
    this.#events({ level: 'debug', code: 'store.error', message: `gcs ${action} ${where} failed: ${error.message}`, data: { status: error.status } });
    if (error.status === 401 || error.status === 403) {
      return new HoistError('STORE', `access denied to ${action} ${where}`, {
        cause: e,
        hint: 'check the Application Default Credentials in use (gcloud auth application-default login, GOOGLE_APPLICATION_CREDENTIALS) and that they may read, write and list objects of the bucket (roles/storage.objectAdmin)',
      });
    }
    return new HoistError('STORE', `cannot ${action} ${where}: ${error.message}`, {
      cause: e,
      hint: `check the network and the endpoint (${this.#endpoint === undefined ? 'https://storage.googleapis.com' : `HOIST_GCS_ENDPOINT=${this.#endpoint}`}), then retry`,
    });
  }
}

interface Version {
  readonly generation: string;
  readonly etag: string;
}

/** An object's generation and ETag (its MD5, hex and quoted; composite objects have none: their generation stands in). */
function versionOf(metadata: { generation?: string | number; md5Hash?: string }): Version | undefined {
  if (metadata.generation === undefined) return undefined;
  const generation = String(metadata.generation);
  return { generation, etag: etagOf(metadata.md5Hash, generation) };
}

function etagOf(md5Base64: string | undefined, generation: string): string {
  return md5Base64 ? `"${Buffer.from(md5Base64, 'base64').toString('hex')}"` : `"generation-${generation}"`;
}

/**
 * Reads are tried again when the connection drops before an answer (a reset, or a kept-alive
 * connection the server closed as the request went out): the library retries such errors for its
 * JSON calls but not for a read stream's first request, and a GET changes nothing.
 */
const READ_ATTEMPTS = 3;

async function readRetrying(file: File, attempts: number): Promise<{ body: Uint8Array; version: Version }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readWithVersion(file);
    } catch (e) {
      if (attempt >= attempts || !droppedConnection(e)) throw e;
    }
  }
}

function droppedConnection(e: unknown): boolean {
  const { code, message } = e as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' || code === 'EPIPE' || (typeof message === 'string' && message.includes('socket hang up'));
}

/** The object's bytes and the version they are of, from one `alt=media` request (its x-goog- headers). */
function readWithVersion(file: File): Promise<{ body: Uint8Array; version: Version }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let headers: Record<string, string | string[] | undefined> = {};
    file
      .createReadStream({ validation: 'crc32c' })
      .on('response', (response: { headers?: Record<string, string | string[] | undefined> }) => {
        headers = response.headers ?? {};
      })
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('error', reject)
      .on('end', () => {
        const one = (name: string) => {
          const value = headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const generation = one('x-goog-generation');
        const md5 = /(?:^|,)\s*md5=([^,]+)/.exec(one('x-goog-hash') ?? '')?.[1];
        if (generation === undefined) reject(new Error('the response has no x-goog-generation header'));
        else resolve({ body: new Uint8Array(Buffer.concat(chunks)), version: { generation, etag: etagOf(md5, generation) } });
      });
  });
}
