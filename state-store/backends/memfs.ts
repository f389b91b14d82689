/**
 * memfs://name — an in-process store for tests and dry runs. Stores with the same name share
 * their objects within one process; nothing is shared across processes.
 *
 * Every operation runs synchronously between two awaits, so conditions are checked and applied
 * atomically without any locking.
 */

import type { DeleteCondition, ListedObject, ObjectStore, PutCondition, StoredObject } from '../object-store.js';
import { PreconditionFailedError } from '../object-store.js';
import { validateKey, validatePrefix } from '../keys.js';
import { contentEtag } from './etag.js';

interface Entry {
  readonly body: Uint8Array;
  readonly etag: string;
}

const registry = new Map<string, Map<string, Entry>>();

/** Forgets one named store, or all of them (between tests). */
export function resetMemfs(name?: string): void {
  if (name === undefined) registry.clear();
  else registry.delete(name);
}

export class MemfsStore implements ObjectStore {
  readonly url: string;
  readonly #objects: Map<string, Entry>;

  constructor(name: string) {
    this.url = `memfs://${name}`;
    let objects = registry.get(name);
    if (objects === undefined) {
      objects = new Map();
      registry.set(name, objects);
    }
    this.#objects = objects;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    validateKey(key);
    const entry = this.#objects.get(key);
    // Copies keep callers from changing stored bytes behind the store's back.
    return entry === undefined ? undefined : { body: entry.body.slice(), etag: entry.etag };
  }

  async put(key: string, body: Uint8Array | string, condition: PutCondition = {}): Promise<{ readonly etag: string }> {
    validateKey(key);
    const current = this.#objects.get(key);
    checkCondition(key, current, condition);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body.slice();
    const etag = contentEtag(bytes);
    this.#objects.set(key, { body: bytes, etag });
    return { etag };
  }

  async delete(key: string, condition: DeleteCondition = {}): Promise<void> {
    validateKey(key);
    checkCondition(key, this.#objects.get(key), condition);
    this.#objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    return [...this.#objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async listWithEtags(prefix: string): Promise<ListedObject[]> {
    return (await this.list(prefix)).map((key) => ({ key, etag: this.#objects.get(key)!.etag }));
  }
}

function checkCondition(key: string, current: Entry | undefined, condition: PutCondition): void {
  if (condition.ifNoneMatch === '*' && current !== undefined) {
    throw new PreconditionFailedError(key, 'already exists');
  }
  if (condition.ifMatch !== undefined) {
    if (current === undefined) throw new PreconditionFailedError(key, 'does not exist any more');
    if (current.etag !== condition.ifMatch) throw new PreconditionFailedError(key, 'was changed by someone else');
  }
}

