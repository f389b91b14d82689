/**
 * A fake of the GCS JSON API on 127.0.0.1, for tests: no GCS emulator can be installed here.
 * It follows the public REST shapes for what hoist sends, through `@google-cloud/storage` and
 * the boot script's curl:
 *
 * - `POST /upload/storage/v1/b/B/o?uploadType=media|multipart&name=N` (objects.insert);
 * - `GET /storage/v1/b/B/o/N` (objects.get: metadata, or the bytes with `alt=media`, also under
 *   `/download/storage/v1/…`), with `x-goog-generation`, `x-goog-hash` and friends;
 * - `GET /storage/v1/b/B/o` (objects.list: `prefix`, `delimiter`, `pageToken`, `maxResults`);
 * - `DELETE /storage/v1/b/B/o/N` (objects.delete);
 * - `GET|PUT /storage/v1/b/B/iam` (buckets.getIamPolicy / setIamPolicy: bucket-iam.ts);
 * - `GET|PATCH /storage/v1/b/B` (buckets.get / buckets.patch, of the bucket's `labels` only);
 * - `ifGenerationMatch` (0: only if missing), `ifGenerationNotMatch`, `ifMetagenerationMatch`,
 *   `ifMetagenerationNotMatch`, and `generation`; 412 `conditionNotMet` on a failed condition,
 *   404 `notFound` for a missing object or bucket, as JSON error bodies.
 *
 * With `requireToken` set, a request without `Authorization: Bearer <token>` is refused (401),
 * as GCS refuses an anonymous caller on a private bucket.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BucketPolicies } from './bucket-iam.js';
import type { ObjectPermission } from './bucket-iam.js';
import { Buckets } from './buckets.js';
import type { Preconditions, StoredObject } from './buckets.js';
import { GcsError, anonymous, badRequest, forbidden, required } from './errors.js';
import { parseMultipart } from './multipart.js';

export interface GcsRequest {
  readonly method: string;
  /** Without the query, decoded: `/storage/v1/b/bucket/o/c/config`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** The bearer token the request carried, if any. */
  readonly token?: string;
}

const MAX_PAGE = 1000;

export class FakeGcs {
  readonly buckets = new Buckets();
  /** The buckets' IAM policies (`b/B/iam`). */
  readonly iam = new BucketPolicies((bucket) => this.buckets.has(bucket));
  readonly requests: GcsRequest[] = [];
  /** When set, only requests bearing this token are served. */
  requireToken: string | undefined;
  /** How many of the next requests have their connection destroyed before any answer. */
  dropNext = 0;
  /**
   * Bearer tokens that stand for an IAM member (`serviceAccount:…`): their object calls are
   * allowed only as far as the bucket's IAM policy lets that member (403 otherwise), as GCS
   * checks a machine's service account.
   */
  readonly members = new Map<string, string>();
  #server: Server | undefined;
  #origin = '';

  private constructor() {}

  static async start(options: { readonly buckets?: readonly string[]; readonly requireToken?: string } = {}): Promise<FakeGcs> {
    const fake = new FakeGcs();
    fake.requireToken = options.requireToken;
    for (const bucket of options.buckets ?? []) fake.buckets.create(bucket);
    const server = createServer((req, res) => void fake.#handle(req, res));
    // Idle connections stay open until the client closes them, as Google's front ends keep them
    // for minutes; Node's default 5 s idle timeout reset requests sent as the server closed.
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    fake.#server = server;
    fake.#origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** `http://127.0.0.1:PORT`, the API endpoint (`HOIST_GCS_ENDPOINT`). */
  get url(): string {
    return this.#origin;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The bytes of an object, or undefined. */
  object(bucket: string, name: string): Buffer | undefined {
    return this.buckets.has(bucket) ? this.buckets.objects(bucket).get(name)?.body : undefined;
  }

  /** Every object name of a bucket, sorted. */
  names(bucket: string): string[] {
    return [...this.buckets.objects(bucket).keys()].sort();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.dropNext > 0) {
      this.dropNext--;
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let status = 200;
    let path = url.pathname;
    try {
      path = decodeURIComponent(url.pathname);
      const body = await readBody(req);
      if (this.requireToken !== undefined && token !== this.requireToken) {
        throw anonymous(method === 'GET' ? 'storage.objects.get' : method === 'DELETE' ? 'storage.objects.delete' : 'storage.objects.create');
      }
      const member = token === undefined ? undefined : this.members.get(token);
      if (member !== undefined) this.#authorize(member, method, url, req.headers['content-type'] ?? '', body);
      const reply = this.#route(method, url, req.headers['content-type'] ?? '', body);
      status = reply.status;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    } catch (e) {
      const error = e instanceof GcsError ? e : new GcsError(500, 'backendError', e instanceof Error ? e.message : String(e));
      status = error.code;
      res.writeHead(error.code, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(error.body()));
    }
    this.requests.push({ method, path, query, status, ...(token === undefined ? {} : { token }) });
  }

  /** Refuses (403) an object call that the bucket's policy does not allow `member`. */
  #authorize(member: string, method: string, url: URL, contentType: string, body: Buffer): void {
    const needs: [ObjectPermission, string | undefined][] = [];
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const one = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    const bucket = decodeURIComponent((upload ?? list ?? one)?.[1] ?? '');
    if (upload && method === 'POST') {
      const name = url.searchParams.get('name') ?? String(parseMultipart(contentType, body).metadata['name'] ?? '');
      needs.push(['storage.objects.create', name]);
      // Replacing an object also deletes the old one, which GCS checks.
      if (this.buckets.has(bucket) && this.buckets.objects(bucket).has(name)) needs.push(['storage.objects.delete', name]);
    } else if (list && method === 'GET') needs.push(['storage.objects.list', undefined]);
    else if (one && method === 'GET') needs.push(['storage.objects.get', decodeURIComponent(one[2]!)]);
    else if (one && method === 'DELETE') needs.push(['storage.objects.delete', decodeURIComponent(one[2]!)]);
    for (const [permission, name] of needs) {
      if (!this.iam.allows(bucket, member, permission, name)) throw forbidden(member.replace(/^serviceAccount:/, ''), permission);
    }
  }

  #route(method: string, url: URL, contentType: string, body: Buffer): Reply {
    const q = url.searchParams;
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && method === 'POST') return this.#insert(decodeURIComponent(upload[1]!), q, contentType, body);
    const iam = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(url.pathname);
    if (iam && method === 'GET') return json(200, this.iam.view(decodeURIComponent(iam[1]!)));
    if (iam && method === 'PUT') return json(200, this.iam.write(decodeURIComponent(iam[1]!), parseJson(body)));
    const bucket = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname);
    if (bucket && method === 'GET') return json(200, this.buckets.resource(decodeURIComponent(bucket[1]!)));
    if (bucket && method === 'PATCH') return json(200, this.buckets.patchLabels(decodeURIComponent(bucket[1]!), (parseJson(body) as { labels?: unknown }).labels ?? {}));
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && method === 'GET') return json(200, this.#list(decodeURIComponent(list[1]!), q));
    // The object's name is one path segment: its slashes are sent as %2F.
    const one = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const bucket = decodeURIComponent(one[1]!);
      const name = decodeURIComponent(one[2]!);
      if (method === 'GET') {
        const object = this.buckets.read(bucket, name, preconditions(q), q.get('generation') ?? undefined);
        return q.get('alt') === 'media' ? media(object) : json(200, this.#resource(bucket, object));
      }
      if (method === 'DELETE') {
        this.buckets.remove(bucket, name, preconditions(q), q.get('generation') ?? undefined);
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      }
    }
    throw new GcsError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);
  }

  #insert(bucket: string, q: URLSearchParams, contentType: string, body: Buffer): Reply {
    const uploadType = q.get('uploadType');
    let name = q.get('name') ?? undefined;
    let bytes = body;
    let type = contentType || 'application/octet-stream';
    if (uploadType === 'multipart') {
      const parsed = parseMultipart(contentType, body);
      if (typeof parsed.metadata['name'] === 'string') name ??= parsed.metadata['name'];
      bytes = parsed.media;
      type = typeof parsed.metadata['contentType'] === 'string' ? parsed.metadata['contentType'] : (parsed.mediaType ?? 'application/octet-stream');
    } else if (uploadType !== 'media') {
      throw badRequest(`Upload type ${JSON.stringify(uploadType)} is not supported here (media, multipart).`);
    }
    if (name === undefined || name === '') throw required('Required');
    const object = this.buckets.write(bucket, name, bytes, type, preconditions(q));
    return json(200, this.#resource(bucket, object));
  }

  #list(bucket: string, q: URLSearchParams): Record<string, unknown> {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxResults = Math.min(Number(q.get('maxResults') ?? MAX_PAGE) || MAX_PAGE, MAX_PAGE);
    const after = q.get('pageToken') === null ? undefined : Buffer.from(q.get('pageToken')!, 'base64url').toString('utf8');
    // Objects and, with a delimiter, the "folders" below the prefix, in one sorted run.
    const entries = new Map<string, StoredObject | 'prefix'>();
    for (const [name, object] of this.buckets.objects(bucket)) {
      if (!name.startsWith(prefix)) continue;
      const cut = delimiter === '' ? -1 : name.indexOf(delimiter, prefix.length);
      if (cut < 0) entries.set(name, object);
      else entries.set(name.slice(0, cut + delimiter.length), 'prefix');
    }
    const sorted = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).filter((k) => after === undefined || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0);
    const page = sorted.slice(0, maxResults);
    const items = page.flatMap((k) => {
      const e = entries.get(k)!;
      return e === 'prefix' ? [] : [this.#resource(bucket, e)];
    });
    const prefixes = page.filter((k) => entries.get(k) === 'prefix');
    const last = page.at(-1);
    return {
      kind: 'storage#objects',
      ...(sorted.length > maxResults && last !== undefined ? { nextPageToken: Buffer.from(last).toString('base64url') } : {}),
      ...(prefixes.length > 0 ? { prefixes } : {}),
      ...(items.length > 0 ? { items } : {}),
    };
  }

  #resource(bucket: string, o: StoredObject): Record<string, unknown> {
    const encoded = encodeURIComponent(o.name);
    const generation = String(o.generation);
    return {
      kind: 'storage#object',
      id: `${bucket}/${o.name}/${generation}`,
      selfLink: `${this.#origin}/storage/v1/b/${bucket}/o/${encoded}`,
      mediaLink: `${this.#origin}/download/storage/v1/b/${bucket}/o/${encoded}?generation=${generation}&alt=media`,
      name: o.name,
      bucket,
      generation,
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: 'STANDARD',
      size: String(o.body.length),
      md5Hash: o.md5Hash,
      crc32c: o.crc32c,
      etag: Buffer.from(`${generation}/${o.metageneration}`).toString('base64'),
      timeCreated: o.created,
      updated: o.created,
      timeStorageClassUpdated: o.created,
    };
  }
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer | string;
}

function json(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: JSON.stringify(value) };
}

/** The bytes, with the headers GCS sends beside them (the client checks the hashes). */
function media(o: StoredObject): Reply {
  return {
    status: 200,
    headers: {
      'content-type': o.contentType,
      'content-length': String(o.body.length),
      'x-goog-generation': String(o.generation),
      'x-goog-metageneration': String(o.metageneration),
      'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
      'x-goog-stored-content-length': String(o.body.length),
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-storage-class': 'STANDARD',
    },
    body: o.body,
  };
}

function preconditions(q: URLSearchParams): Preconditions {
  const pick = (name: string) => q.get(name) ?? undefined;
  const pre = {
    ifGenerationMatch: pick('ifGenerationMatch'),
    ifGenerationNotMatch: pick('ifGenerationNotMatch'),
    ifMetagenerationMatch: pick('ifMetagenerationMatch'),
    ifMetagenerationNotMatch: pick('ifMetagenerationNotMatch'),
  };
  return Object.fromEntries(Object.entries(pre).filter(([, v]) => v !== undefined)) as Preconditions;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw badRequest('Invalid JSON payload received.');
  }
}
