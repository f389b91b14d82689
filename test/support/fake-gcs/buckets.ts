/**
 * The fake's buckets and objects, with GCS's generations and preconditions: each write of an
 * object is a new generation (a number that only grows), metadata starts at metageneration 1,
 * and `ifGenerationMatch` / `ifGenerationNotMatch` / `ifMetagenerationMatch` /
 * `ifMetagenerationNotMatch` are checked and applied in one step (requests are handled one at a
 * time once their body is read), as GCS applies them atomically.
 */

import { GcsError, noSuchBucket, noSuchObject, preconditionFailed } from './errors.js';
import { crc32c, md5 } from './hashes.js';

export interface StoredObject {
  readonly name: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly generation: bigint;
  readonly metageneration: number;
  readonly created: string;
  readonly md5Hash: string;
  readonly crc32c: string;
}

export interface Preconditions {
  readonly ifGenerationMatch?: string;
  readonly ifGenerationNotMatch?: string;
  readonly ifMetagenerationMatch?: string;
  readonly ifMetagenerationNotMatch?: string;
}

/** A bucket's resource as buckets.get answers it (the fields hoist reads). */
export interface BucketResource {
  readonly kind: 'storage#bucket';
  readonly id: string;
  readonly name: string;
  readonly metageneration: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** GCS's rule for label keys and values: lowercase letters, digits, `_` and `-`, at most 63; a key starts with a letter. */
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

export class Buckets {
  readonly #buckets = new Map<string, Map<string, StoredObject>>();
  readonly #labels = new Map<string, { labels: Record<string, string>; metageneration: number }>();
  #lastGeneration = 0n;

  create(bucket: string): void {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
    if (!this.#labels.has(bucket)) this.#labels.set(bucket, { labels: {}, metageneration: 1 });
  }

  /** buckets.get. */
  resource(bucket: string): BucketResource {
    const meta = this.#labels.get(bucket);
    if (!meta) throw noSuchBucket();
    return { kind: 'storage#bucket', id: bucket, name: bucket, metageneration: String(meta.metageneration), ...(Object.keys(meta.labels).length > 0 ? { labels: { ...meta.labels } } : {}) };
  }

  /** buckets.patch of `labels`: a key set to null is removed, the others are set; the rest are kept. */
  patchLabels(bucket: string, patch: unknown): BucketResource {
    const meta = this.#labels.get(bucket);
    if (!meta) throw noSuchBucket();
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new GcsError(400, 'invalid', 'Invalid argument: labels must be an object');
    const next = { ...meta.labels };
    for (const [key, value] of Object.entries(patch)) {
      if (!LABEL_KEY.test(key)) throw new GcsError(400, 'invalid', `Invalid argument: label key ${key}`);
      if (value === null) delete next[key];
      else if (typeof value === 'string' && LABEL_VALUE.test(value)) next[key] = value;
      else throw new GcsError(400, 'invalid', `Invalid argument: label value ${JSON.stringify(value)} of ${key}`);
    }
    this.#labels.set(bucket, { labels: next, metageneration: meta.metageneration + 1 });
    return this.resource(bucket);
  }

  has(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  objects(bucket: string): Map<string, StoredObject> {
    const objects = this.#buckets.get(bucket);
    if (!objects) throw noSuchBucket();
    return objects;
  }

  /** The object, checked against `pre` (and a pinned `generation`); a 404 when it is missing. */
  read(bucket: string, name: string, pre: Preconditions, generation?: string): StoredObject {
    const object = this.objects(bucket).get(name);
    if (!object || (generation !== undefined && String(object.generation) !== generation)) throw noSuchObject(bucket, name);
    check(object, pre);
    return object;
  }

  write(bucket: string, name: string, body: Buffer, contentType: string, pre: Preconditions): StoredObject {
    const objects = this.objects(bucket);
    check(objects.get(name), pre);
    const object: StoredObject = {
      name,
      body,
      contentType,
      generation: this.#nextGeneration(),
      metageneration: 1,
      created: new Date().toISOString(),
      md5Hash: md5(body),
      crc32c: crc32c(body),
    };
    objects.set(name, object);
    return object;
  }

  remove(bucket: string, name: string, pre: Preconditions, generation?: string): void {
    const objects = this.objects(bucket);
    const object = objects.get(name);
    if (!object || (generation !== undefined && String(object.generation) !== generation)) {
      // A condition on a missing object fails as a condition, as GCS answers it.
      if (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== '0') throw preconditionFailed();
      throw noSuchObject(bucket, name);
    }
    check(object, pre);
    objects.delete(name);
  }

  /** Like GCS: a microsecond clock, never the same twice. */
  #nextGeneration(): bigint {
    const now = BigInt(Date.now()) * 1000n;
    this.#lastGeneration = now > this.#lastGeneration ? now : this.#lastGeneration + 1n;
    return this.#lastGeneration;
  }
}

function check(object: StoredObject | undefined, pre: Preconditions): void {
  const generation = object === undefined ? 0n : object.generation;
  const number = (field: string, value: string): bigint => {
    if (!/^-?\d+$/.test(value)) throw new GcsError(400, 'invalid', `Invalid argument for ${field}: ${value}`);
    return BigInt(value);
  };
  if (pre.ifGenerationMatch !== undefined && number('ifGenerationMatch', pre.ifGenerationMatch) !== generation) throw preconditionFailed();
  if (pre.ifGenerationNotMatch !== undefined && number('ifGenerationNotMatch', pre.ifGenerationNotMatch) === generation) throw preconditionFailed();
  const metageneration = object === undefined ? 0n : BigInt(object.metageneration);
  if (pre.ifMetagenerationMatch !== undefined && number('ifMetagenerationMatch', pre.ifMetagenerationMatch) !== metageneration) throw preconditionFailed();
  if (pre.ifMetagenerationNotMatch !== undefined && number('ifMetagenerationNotMatch', pre.ifMetagenerationNotMatch) === metageneration) throw preconditionFailed();
}
