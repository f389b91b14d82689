/**
 * The object-store abstraction under the state store.
 *
 * Keys are relative, `/`-separated paths below the store's root (`demo.example.com/config`).
 * Every backend gives the same semantics as S3 with conditional writes:
 *
 * - `put` with `ifNoneMatch: '*'` creates the object only if it does not exist;
 * - `put` with `ifMatch: etag` replaces the object only if its current ETag is `etag`;
 * - `delete` with `ifMatch: etag` removes the object only if its current ETag is `etag`;
 * - a failed condition throws `PreconditionFailedError` and changes nothing;
 * - a `put` is atomic: a reader sees the old body or the new one, never a mix.
 *
 * ETags are opaque strings; callers only compare them for equality.
 */

import { HoistError } from '../src/errors.js';

export interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
}

export interface PutCondition {
  /** Only write if the current object has this ETag. */
  readonly ifMatch?: string;
  /** Only write if no object exists at the key. */
  readonly ifNoneMatch?: '*';
}

export interface DeleteCondition {
  readonly ifMatch?: string;
}

/** A key and the ETag of its current object, as a listing reports them. */
export interface ListedObject {
  readonly key: string;
  readonly etag: string;
}

export interface ObjectStore {
  /** The store's canonical URL, e.g. `file:///srv/state`, `s3://bucket/prefix`, `memfs://name`. */
  readonly url: string;
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: Uint8Array | string, condition?: PutCondition): Promise<{ readonly etag: string }>;
  /** Deleting a missing object without a condition is not an error. */
  delete(key: string, condition?: DeleteCondition): Promise<void>;
  /** Every key that starts with `prefix`, sorted, paged through to the end. */
  list(prefix: string): Promise<string[]>;
  /**
   * Like `list`, with each object's ETag (the one `get` would return). Only stores whose listing
   * carries ETags at no extra cost offer it (S3 does); callers use it to avoid reading objects
   * they already hold a copy of.
   */
  listWithEtags?(prefix: string): Promise<ListedObject[]>;
  /** Frees what the store keeps open (connections); the store must not be used afterwards. */
  close?(): void;
}

/** A conditional write or delete whose condition did not hold. Nothing was changed. */
export class PreconditionFailedError extends HoistError {
  readonly key: string;

  constructor(key: string, detail: string) {
    super('CONFLICT', `${key}: ${detail}`, {
      hint: 'the object changed since it was read; read it again and retry',
    });
    this.key = key;
  }
}
