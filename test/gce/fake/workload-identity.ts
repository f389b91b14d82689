/**
 * IAM v1 workload identity federation as the fake answers it, after Google's public reference:
 *
 * - `projects/P/locations/global/workloadIdentityPools` (list with `showDeleted`, `pageSize` up to
 *   1,000 and `pageToken`; create with `?workloadIdentityPoolId=`), `…/POOL` (get, patch with
 *   `updateMask`, delete), `…/POOL:undelete`;
 * - `…/POOL/providers` and `…/providers/ID` the same, with `oidc.issuerUri` (https), at most 10
 *   `oidc.allowedAudiences` of at most 256 characters, and `attributeMapping` that maps
 *   `google.subject`;
 * - every create, patch, delete and undelete is a long-running operation (`{name, done}`), done
 *   `operationMs` later, read with `GET /v1/<operation name>`; its effect is visible at once.
 *
 * Deletes are soft, as GCP's: the pool or provider is DELETED (with an `expireTime` 30 days on),
 * its id stays taken (409 on create) and `:undelete` brings it back. Names carry the project's
 * number, as GCP's do. A provider of a pool that is not ACTIVE cannot be made (400).
 */

import type { Json } from './validate.js';

export type WiState = 'ACTIVE' | 'DELETED';

export interface FakePool {
  name: string;
  displayName?: string;
  description?: string;
  disabled: boolean;
  state: WiState;
  expireTime?: string;
}

export interface FakeProvider {
  name: string;
  displayName?: string;
  description?: string;
  disabled: boolean;
  state: WiState;
  expireTime?: string;
  attributeMapping: Record<string, string>;
  oidc: { issuerUri: string; allowedAudiences: string[] };
}

type Fail = (code: number, message: string, status?: string) => Error;

const ID = /^[a-z0-9-]{4,32}$/;
const THIRTY_DAYS = 30 * 24 * 3600 * 1000;

export class FakeWorkloadIdentity {
  readonly pools = new Map<string, FakePool>();
  readonly providers = new Map<string, FakeProvider>();
  private readonly operations = new Map<string, { doneAt: number; response: Json }>();
  private serial = 0;

  constructor(
    private readonly operationMs: number,
    private readonly fail: Fail,
  ) {}

  /** `rest` is what follows `projects/P/locations/global/workloadIdentityPools`. */
  route(base: string, rest: string, method: string, query: URLSearchParams, body: Json): Json {
    const op = /^\/(.+)\/operations\/([^/]+)$/.exec(rest);
    if (op && method === 'GET') return this.operation(`${base}${rest}`);
    if (rest === '' && method === 'GET') return this.list([...this.pools.values()], base, query, 'workloadIdentityPools');
    if (rest === '' && method === 'POST') return this.createPool(base, query.get('workloadIdentityPoolId') ?? '', body);
    const pool = /^\/([^/:]+)(:undelete)?$/.exec(rest);
    if (pool) {
      const name = `${base}/${pool[1]}`;
      if (pool[2]) return method === 'POST' ? this.undelete(this.pools, name) : this.notFound(rest);
      if (method === 'GET') return this.get(this.pools, name) as unknown as Json;
      if (method === 'PATCH') return this.patchPool(name, query, body);
      if (method === 'DELETE') return this.remove(this.pools, name);
    }
    const providers = /^\/([^/:]+)\/providers$/.exec(rest);
    if (providers) {
      const poolName = `${base}/${providers[1]}`;
      this.get(this.pools, poolName);
      if (method === 'GET') return this.list([...this.providers.values()], `${poolName}/providers`, query, 'workloadIdentityPoolProviders');
      if (method === 'POST') return this.createProvider(poolName, query.get('workloadIdentityPoolProviderId') ?? '', body);
    }
    const provider = /^\/([^/:]+)\/providers\/([^/:]+)(:undelete)?$/.exec(rest);
    if (provider) {
      const name = `${base}/${provider[1]}/providers/${provider[2]}`;
      if (provider[3]) return method === 'POST' ? this.undelete(this.providers, name) : this.notFound(rest);
      if (method === 'GET') return this.get(this.providers, name) as unknown as Json;
      if (method === 'PATCH') return this.patchProvider(name, query, body);
      if (method === 'DELETE') return this.remove(this.providers, name);
    }
    return this.notFound(rest);
  }

  private notFound(rest: string): never {
    throw this.fail(404, `Method not found: workloadIdentityPools${rest}`);
  }

  private started(resource: string, response: Json): Json {
    const name = `${resource}/operations/op-${++this.serial}`;
    this.operations.set(name, { doneAt: Date.now() + this.operationMs, response });
    return { name, done: false };
  }

  private operation(name: string): Json {
    const op = this.operations.get(name);
    if (!op) throw this.fail(404, `Operation ${name} not found.`);
    return Date.now() < op.doneAt ? { name, done: false } : { name, done: true, response: op.response };
  }

  private list<T extends { name: string; state: WiState }>(all: T[], parent: string, query: URLSearchParams, field: string): Json {
    const size = Math.min(Number(query.get('pageSize') ?? 50) || 50, 1000);
    const shown = all.filter((x) => x.name.startsWith(`${parent}/`) && !x.name.slice(parent.length + 1).includes('/') && (x.state === 'ACTIVE' || query.get('showDeleted') === 'true')).sort((a, b) => a.name.localeCompare(b.name));
    const offset = query.get('pageToken') ? Number(Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw this.fail(400, 'Invalid page token.');
    const page = shown.slice(offset, offset + size);
    return { ...(page.length > 0 ? { [field]: page as unknown as Json[] } : {}), ...(offset + size < shown.length ? { nextPageToken: Buffer.from(String(offset + size)).toString('base64url') } : {}) };
  }

  private get<T>(map: Map<string, T>, name: string): T {
    const found = map.get(name);
    if (!found) throw this.fail(404, `Requested entity was not found.`);
    return found;
  }

  private checkId(id: string, what: string): void {
    if (!ID.test(id) || id.startsWith('gcp-')) throw this.fail(400, `Invalid ${what} id "${id}": it must be 4 to 32 lowercase letters, digits or hyphens, and not start with gcp-.`);
  }

  private texts(body: Json): { displayName?: string; description?: string; disabled: boolean } {
    const displayName = body['displayName'];
    const description = body['description'];
    if (typeof displayName === 'string' && displayName.length > 32) throw this.fail(400, 'displayName must be at most 32 characters.');
    if (typeof description === 'string' && description.length > 256) throw this.fail(400, 'description must be at most 256 characters.');
    return { ...(typeof displayName === 'string' ? { displayName } : {}), ...(typeof description === 'string' ? { description } : {}), disabled: body['disabled'] === true };
  }

  private createPool(base: string, id: string, body: Json): Json {
    this.checkId(id, 'workload identity pool');
    const name = `${base}/${id}`;
    if (this.pools.has(name)) throw this.fail(409, 'Requested entity already exists', 'ALREADY_EXISTS');
    const pool: FakePool = { name, ...this.texts(body), state: 'ACTIVE' };
    this.pools.set(name, pool);
    return this.started(name, pool as unknown as Json);
  }

  private oidc(body: Json): Pick<FakeProvider, 'attributeMapping' | 'oidc'> {
    const oidc = (body['oidc'] ?? {}) as { issuerUri?: unknown; allowedAudiences?: unknown };
    if (typeof oidc.issuerUri !== 'string' || !/^https:\/\/[^\s]+$/.test(oidc.issuerUri)) throw this.fail(400, 'oidc.issuerUri must be an https URL.');
    const audiences = oidc.allowedAudiences ?? [];
    if (!Array.isArray(audiences) || audiences.length > 10 || audiences.some((a) => typeof a !== 'string' || a === '' || a.length > 256)) throw this.fail(400, 'oidc.allowedAudiences: at most 10 audiences of 1 to 256 characters.');
    const mapping = (body['attributeMapping'] ?? {}) as Record<string, unknown>;
    if (typeof mapping['google.subject'] !== 'string') throw this.fail(400, 'attributeMapping must map google.subject.');
    return { attributeMapping: Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, String(v)])), oidc: { issuerUri: oidc.issuerUri, allowedAudiences: audiences as string[] } };
  }

  private createProvider(pool: string, id: string, body: Json): Json {
    this.checkId(id, 'workload identity pool provider');
    if (this.get(this.pools, pool).state !== 'ACTIVE') throw this.fail(400, `The pool ${pool} is deleted.`, 'FAILED_PRECONDITION');
    const name = `${pool}/providers/${id}`;
    if (this.providers.has(name)) throw this.fail(409, 'Requested entity already exists', 'ALREADY_EXISTS');
    const provider: FakeProvider = { name, ...this.texts(body), state: 'ACTIVE', ...this.oidc(body) };
    this.providers.set(name, provider);
    return this.started(name, provider as unknown as Json);
  }

  private mask(query: URLSearchParams, allowed: readonly string[]): string[] {
    const mask = (query.get('updateMask') ?? '').split(',').filter((m) => m !== '');
    if (mask.length === 0) throw this.fail(400, 'updateMask is required.');
    const bad = mask.find((m) => !allowed.includes(m));
    if (bad !== undefined) throw this.fail(400, `updateMask: ${bad} cannot be updated.`);
    return mask;
  }

  private patchPool(name: string, query: URLSearchParams, body: Json): Json {
    const pool = this.get(this.pools, name);
    if (pool.state !== 'ACTIVE') throw this.fail(400, `The pool ${name} is deleted.`, 'FAILED_PRECONDITION');
    const given = this.texts(body);
    for (const m of this.mask(query, ['displayName', 'description', 'disabled'])) Object.assign(pool, { [m]: given[m as keyof typeof given] });
    return this.started(name, pool as unknown as Json);
  }

  private patchProvider(name: string, query: URLSearchParams, body: Json): Json {
    const provider = this.get(this.providers, name);
    if (provider.state !== 'ACTIVE') throw this.fail(400, `The provider ${name} is deleted.`, 'FAILED_PRECONDITION');
    const mask = this.mask(query, ['displayName', 'description', 'disabled', 'attributeMapping', 'oidc', 'oidc.issuerUri', 'oidc.allowedAudiences']);
    const given = { ...this.texts(body), ...this.oidc(body) };
    for (const m of mask) {
      if (m === 'oidc.issuerUri') provider.oidc.issuerUri = given.oidc.issuerUri;
      else if (m === 'oidc.allowedAudiences') provider.oidc.allowedAudiences = given.oidc.allowedAudiences;
      else Object.assign(provider, { [m]: given[m as keyof typeof given] });
    }
    return this.started(name, provider as unknown as Json);
  }

  private remove(map: Map<string, FakePool | FakeProvider>, name: string): Json {
    const found = this.get(map, name);
    if (found.state === 'DELETED') throw this.fail(400, `${name} is already deleted.`, 'FAILED_PRECONDITION');
    Object.assign(found, { state: 'DELETED', expireTime: new Date(Date.now() + THIRTY_DAYS).toISOString() });
    return this.started(name, found as unknown as Json);
  }

  private undelete(map: Map<string, FakePool | FakeProvider>, name: string): Json {
    const found = this.get(map, name);
    if (found.state !== 'DELETED') throw this.fail(400, `${name} is not deleted.`, 'FAILED_PRECONDITION');
    found.state = 'ACTIVE';
    delete found.expireTime;
    return this.started(name, found as unknown as Json);
  }
}
