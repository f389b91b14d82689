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

export class Buckets {
  readonly #buckets = new Map<string, Map<string, StoredObject>>();
  #lastGeneration = 0n;

  create(bucket: string): void {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
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
