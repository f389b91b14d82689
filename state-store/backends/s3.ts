/**
 * s3://bucket[/prefix] — the store on Amazon S3 (or anything that speaks its API, such as moto),
 * using S3's own conditional writes: `If-None-Match: *` and `If-Match` on PutObject, `If-Match`
 * on DeleteObject. S3 applies a condition and the write as one step, so no lock is needed here.
 *
 * This module loads the AWS SDK: open.ts imports it only for s3:// URLs.
 */

import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { Agent } from 'node:http';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { silent } from '../../src/output/events.js';
import type { DeleteCondition, ObjectStore, PutCondition, StoredObject, ListedObject } from '../object-store.js';
import { PreconditionFailedError } from '../object-store.js';
import { isValidKey, validateKey, validatePrefix } from '../keys.js';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Folder inside the bucket, without leading or trailing `/`; empty for the bucket's root. */
  readonly prefix?: string;
  /** Where region, endpoint and credentials come from; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly events?: EventSink;
  /** Keys per ListObjectsV2 page; S3 returns at most 1,000. */
  readonly pageSize?: number;
  /** The agent of the client's http and https connections (nodeup's egress proxy); the SDK's own by default. */
  readonly agent?: Agent;
}

export interface S3StoreStats {
  /** HTTP requests sent to S3, retries included. */
  readonly requests: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export class S3Store implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #events: EventSink;
  readonly #pageSize: number | undefined;
  #requests = 0;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.url = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.#events = options.events ?? silent;
    this.#pageSize = options.pageSize;
    const agent = options.agent;
    this.#client = new S3Client({ ...clientConfig(options.env ?? process.env), ...(agent === undefined ? {} : { requestHandler: { httpAgent: agent, httpsAgent: agent } }) });
    // In the deserialize step, after the retry middleware: counts every attempt on the wire.
    this.#client.middlewareStack.add(
      (next) => (args) => {
        this.#requests += 1;
        return next(args);
      },
      { step: 'deserialize', name: 'hoistRequestCounter' },
    );
  }

  get stats(): S3StoreStats {
    return { requests: this.#requests };
  }

  /** Closes the client's idle connections. The store must not be used afterwards. */
  close(): void {
    this.#client.destroy();
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const s3Key = this.#key(key);
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: s3Key }));
      if (out.Body === undefined || out.ETag === undefined) throw new Error('response has no body or ETag');
      return { body: await out.Body.transformToByteArray(), etag: out.ETag };
    } catch (e) {
      if (errorName(e) === 'NoSuchKey') return undefined;
      throw this.#error('read', key, e);
    }
  }

  async put(key: string, body: Uint8Array | string, condition: PutCondition = {}): Promise<{ readonly etag: string }> {
    const s3Key = this.#key(key);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    try {
      const out = await this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: s3Key,
          Body: bytes,
          IfMatch: condition.ifMatch,
          IfNoneMatch: condition.ifNoneMatch,
        }),
      );
      if (out.ETag === undefined) throw new Error('response has no ETag');
      return { etag: out.ETag };
    } catch (e) {
      // A retried request whose first attempt was applied also lands here, as a conflict with
      // itself: callers that must know (the lock) recognise their own write by its content.
      throw this.#conditionError(key, e, condition) ?? this.#error('write', key, e);
    }
  }

  async delete(key: string, condition: DeleteCondition = {}): Promise<void> {
    const s3Key = this.#key(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key, IfMatch: condition.ifMatch }));
    } catch (e) {
      throw this.#conditionError(key, e, condition) ?? this.#error('delete', key, e);
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listWithEtags(prefix)).map((o) => o.key);
  }

  async listWithEtags(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const root = this.prefix === '' ? '' : `${this.prefix}/`;
    const objects: ListedObject[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: root + prefix,
            ContinuationToken: token,
            MaxKeys: this.#pageSize,
          }),
        );
        for (const object of out.Contents ?? []) {
          const key = object.Key?.slice(root.length);
          // Objects that no other backend could hold (`a//b`, `x/../y`) are not part of the store.
          if (key !== undefined && object.ETag !== undefined && isValidKey(key)) objects.push({ key, etag: object.ETag });
        }
        token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw this.#error('list', prefix, e);
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  #key(key: string): string {
    validateKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  #conditionError(key: string, e: unknown, condition: PutCondition): PreconditionFailedError | undefined {
    const name = errorName(e);
    const status = httpStatus(e);
    if (name === 'PreconditionFailed' || status === 412) {
      return new PreconditionFailedError(key, condition.ifNoneMatch === '*' ? 'already exists' : 'was changed by someone else');
    }
    // S3 answers 409 when another conditional write on the key is in flight: one of them lost.
    const conditional = condition.ifMatch !== undefined || condition.ifNoneMatch !== undefined;
    if (name === 'ConditionalRequestConflict' || (conditional && status === 409)) {
      return new PreconditionFailedError(key, 'was changed by someone else at the same time');
    }
    // If-Match on a missing object is a 404, not a 412.
    if (condition.ifMatch !== undefined && (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket'))) {
      return new PreconditionFailedError(key, 'does not exist any more');
    }
    return undefined;
  }

  #error(action: string, key: string, e: unknown): HoistError {
    if (e instanceof HoistError) return e;
    const name = errorName(e);
    const detail = e instanceof Error ? e.message : String(e);
    const where = `${JSON.stringify(key)} in ${this.url}`;
    if (name === 'NoSuchBucket') {
      return new HoistError('STORE', `the state store bucket "${this.bucket}" does not exist`, {
        cause: e,
        hint: `create it with: aws s3 mb s3://${this.bucket}`,
      });
    }
    this.#events({ level: 'debug', code: 'store.error', message: `s3 ${action} ${where} failed: ${detail}`, data: { name } });
    if (name === 'AccessDenied' || httpStatus(e) === 403) {
      return new HoistError('STORE', `access denied to ${action} ${where}`, {
        cause: e,
        hint: 'check the AWS credentials in use and that they may read, write and list the bucket',
      });
    }
    return new HoistError('STORE', `cannot ${action} ${where}: ${detail}`, {
      cause: e,
      hint: 'check the network and the endpoint (AWS_ENDPOINT_URL), then retry',
    });
  }
}

function clientConfig(env: Env): S3ClientConfig {
  const region = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const endpoint = env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return {
    region,
    // Emulators serve every bucket on one host: virtual-host addressing would need DNS for each.
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // Explicit keys in the given environment win; otherwise the SDK's default chain applies.
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, sessionToken: env['AWS_SESSION_TOKEN'] } }
      : {}),
  };
}

function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : undefined;
}

function httpStatus(e: unknown): number | undefined {
  const meta = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}
