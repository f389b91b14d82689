/**
 * Objects in etcd the way kube-apiserver keeps them: one key per object under `/registry/`,
 * the value JSON (kube-apiserver writes protobuf; JSON is its other supported encoding), and
 * the object's resourceVersion is the key's mod revision, so that a write conditioned on it
 * is etcd's own compare-and-swap.
 */

import type { Etcd3, IKeyValue, IRangeResponse, Watcher } from 'etcd3';
import type { ValueTransformer } from './encryption.js';
import { ApiError } from './status.js';

export type KubeObject = Record<string, unknown> & { metadata?: Record<string, unknown> };

export interface ListPage {
  readonly items: KubeObject[];
  /** etcd's revision when the list was read: what a watch resumes from. */
  readonly revision: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface ListOptions {
  readonly limit?: number;
  readonly continue?: string;
}

export type WatchEvent = { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject; readonly previous?: KubeObject };

export type WriteResult = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly why: 'exists' | 'missing' | 'conflict' };

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The end of the key range holding every key that starts with `prefix`. */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** `value`: the key's bytes as the API server wrote them (decrypted, when encryption at rest is on). */
export function decode(kv: IKeyValue, value: Buffer = kv.value): KubeObject {
  const object = JSON.parse(value.toString('utf8')) as KubeObject;
  object.metadata = { ...(object.metadata ?? {}), resourceVersion: String(kv.mod_revision) };
  return object;
}

/** What is written: the object without its resourceVersion, which etcd keeps instead. */
function encode(object: KubeObject): Buffer {
  const metadata = { ...(object.metadata ?? {}) };
  delete metadata.resourceVersion;
  return enc(JSON.stringify({ ...object, metadata }));
}

interface ContinueToken {
  readonly rv: string;
  readonly start: string;
}

/** The token of a list that goes on after `key`, read at `revision`. */
export function continueAfter(revision: string, key: string): string {
  const next: ContinueToken = { rv: revision, start: `${key}\0` };
  return Buffer.from(JSON.stringify(next)).toString('base64url');
}

function parseContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (typeof parsed.rv === 'string' && typeof parsed.start === 'string') return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'BadRequest', `continue token ${JSON.stringify(token)} is not one this server gave out`);
}

export class Storage {
  /** `transformer`: encryption at rest (`--encryption-provider-config`), applied to every value written and read. */
  constructor(
    private readonly etcd: Etcd3,
    private readonly transformer?: ValueTransformer,
  ) {}

  private decode(kv: IKeyValue): KubeObject {
    return this.transformer === undefined ? decode(kv) : decode(kv, this.transformer.fromStorage(kv.key.toString('utf8'), kv.value));
  }

  private encode(key: string, object: KubeObject): Buffer {
    const plain = encode(object);
    return this.transformer === undefined ? plain : this.transformer.toStorage(key, plain);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const res = await this.etcd.kv.range({ key: enc(key) });
    const kv = res.kvs[0];
    return kv === undefined ? undefined : this.decode(kv);
  }

  /** Objects under `prefix` in key order, a page at a time; every page is read at the first page's revision. */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    const token = opts.continue === undefined || opts.continue === '' ? undefined : parseContinue(opts.continue);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
    let res: IRangeResponse;
    try {
      res = await this.etcd.kv.range({
        key: enc(token?.start ?? prefix),
        range_end: prefixEnd(prefix),
        ...(limit > 0 ? { limit: limit } : {}),
        ...(token === undefined ? {} : { revision: token.rv }),
      });
    } catch (e) {
      if (token !== undefined && /compacted/.test(String(e))) {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      throw e;
    }
    const items = res.kvs.map((kv) => this.decode(kv));
    const revision = token?.rv ?? String(res.header.revision);
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || last === undefined) return { items, revision };
    return {
      items,
      revision,
      continue: continueAfter(revision, last.key.toString('utf8')),
      remainingItemCount: Number(res.count) - res.kvs.length,
    };
  }

  /** Writes the object only if the key does not exist. */
  async create(key: string, object: KubeObject): Promise<WriteResult> {
    const res = await this.etcd.kv.txn({
      compare: [{ key: enc(key), target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: enc(key), value: this.encode(key, object) } }],
    });
    if (!res.succeeded) return { ok: false, why: 'exists' };
    return { ok: true, object: withRevision(object, res.header.revision) };
  }

  /** Replaces the object only if its key still has the mod revision `revision`. */
  async update(key: string, object: KubeObject, revision: string): Promise<WriteResult> {
    const res = await this.etcd.kv.txn({
      compare: [{ key: enc(key), target: 'Mod', result: 'Equal', mod_revision: revision }],
      success: [{ request_put: { key: enc(key), value: this.encode(key, object) } }],
      failure: [{ request_range: { key: enc(key) } }],
    });
    if (res.succeeded) return { ok: true, object: withRevision(object, res.header.revision) };
    const current = res.responses[0]?.response_range.kvs[0];
    return { ok: false, why: current === undefined ? 'missing' : 'conflict' };
  }

  /** Deletes the object only if its key still has the mod revision `revision`; answers it as it was. */
  async delete(key: string, revision: string): Promise<WriteResult> {
    const res = await this.etcd.kv.txn({
      compare: [{ key: enc(key), target: 'Mod', result: 'Equal', mod_revision: revision }],
      success: [{ request_delete_range: { key: enc(key), prev_kv: true } }],
      failure: [{ request_range: { key: enc(key) } }],
    });
    if (res.succeeded) {
      const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
      return prev === undefined ? { ok: false, why: 'missing' } : { ok: true, object: withRevision(this.decode(prev), res.header.revision) };
    }
    return { ok: false, why: res.responses[0]?.response_range.kvs[0] === undefined ? 'missing' : 'conflict' };
  }

  /**
   * Calls `onEvent` for every change under `prefix` after `revision` (etcd replays what
   * happened since). A deleted object is reported as it was, at the deletion's revision.
   */
  async watch(prefix: string, revision: string, onEvent: (e: WatchEvent) => void, onError: (e: Error) => void): Promise<() => Promise<void>> {
    const watcher: Watcher = await this.etcd
      .watch()
      .prefix(prefix)
      .startRevision(String(BigInt(revision) + 1n))
      .withPreviousKV()
      .create();
    watcher.on('data', (res) => {
      for (const ev of res.events) {
        if (ev.type === 'Put') {
          const previous = ev.prev_kv === undefined || ev.prev_kv === null ? undefined : this.decode(ev.prev_kv);
          onEvent({ type: ev.kv.create_revision === ev.kv.mod_revision ? 'ADDED' : 'MODIFIED', object: this.decode(ev.kv), ...(previous === undefined ? {} : { previous }) });
        } else if (ev.prev_kv !== undefined && ev.prev_kv !== null) {
          onEvent({ type: 'DELETED', object: withRevision(this.decode(ev.prev_kv), ev.kv.mod_revision) });
        }
      }
    });
    watcher.on('error', onError);
    return async () => {
      await watcher.cancel();
    };
  }
}

function withRevision(object: KubeObject, revision: string): KubeObject {
  return { ...object, metadata: { ...(object.metadata ?? {}), resourceVersion: String(revision) } };
}
