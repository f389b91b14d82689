/**
 * The client of the local cloud's REST API, as hoist's tasks use it. It speaks the shapes of
 * api-types.ts, follows pages, and turns API errors into LocalCloudError (a HoistError) with
 * the API's code, so callers branch on `apiCode` and users read the server's message.
 */

import { HoistError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { API_ERROR_CODES } from './api-types.js';
import type {
  ApiErrorBody,
  ApiErrorCode,
  CreateBodies,
  CreateTemplateVersionBody,
  DaemonStatus,
  Instance,
  InstanceActionBody,
  InstanceTemplate,
  ListResponse,
  ResourceOf,
  ResourceType,
  Tags,
  UpdateBodies,
} from './api-types.js';

export { connectLocalCloud } from './connect.js';
export type { ConnectOptions } from './connect.js';

/** The API's codes, and `Unavailable` when the daemon did not answer at all. */
export type LocalCloudErrorCode = ApiErrorCode | 'InternalError' | 'Unavailable';

const HOIST_CODES: Readonly<Record<LocalCloudErrorCode, ErrorCode>> = {
  NotFound: 'NOT_FOUND',
  AlreadyExists: 'ALREADY_EXISTS',
  DependencyViolation: 'CONFLICT',
  InvalidParameter: 'INVALID_SPEC',
  Conflict: 'CONFLICT',
  AddressInUse: 'CONFLICT',
  // The daemon failed or did not answer: a failed cloud call.
  InternalError: 'CLOUD',
  Unavailable: 'CLOUD',
};

export class LocalCloudError extends HoistError {
  readonly apiCode: LocalCloudErrorCode;
  /** The HTTP status; 0 when there was no answer. */
  readonly status: number;

  constructor(apiCode: LocalCloudErrorCode, message: string, status: number, cause?: unknown) {
    super(HOIST_CODES[apiCode], message, {
      cause,
      // An unreachable daemon is the user's to fix (start it); a 500 is a bug.
      user: apiCode !== 'InternalError',
      hint: apiCode === 'Unavailable' ? 'is the local cloud running? see: hoist local-cloud status' : apiCode === 'AddressInUse' ? 'another local cloud or program on this machine uses that address: give this cluster a free networkCIDR (hoist create cluster picks one when --network-cidr is left out)' : undefined,
    });
    this.apiCode = apiCode;
    this.status = status;
  }
}

export interface ListOptions {
  /** Only resources carrying every one of these tags. */
  readonly tags?: Tags;
  readonly name?: string;
  /** Items per request (the server's default is 100, its maximum 1000). */
  readonly pageSize?: number;
}

export interface InstanceActionOptions {
  /** Lower the group's desiredCapacity instead of launching a replacement. */
  readonly decrement: boolean;
}

export interface ClientOptions {
  /** Per request; deleting a group waits for its instances to stop. */
  readonly timeoutMs?: number;
}

export class LocalCloudClient {
  readonly endpoint: string;
  /** HTTP requests made, for tests and for the engine's "requests per plan" figures. */
  readonly stats = { requests: 0 };
  private readonly timeoutMs: number;

  constructor(endpoint: string, opts: ClientOptions = {}) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** Every resource of `type` that matches, following pages. */
  async list<T extends ResourceType>(type: T, opts: ListOptions = {}): Promise<ResourceOf[T][]> {
    const items: ResourceOf[T][] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.tags ?? {})) query.append(`tag:${k}`, v);
      if (opts.name !== undefined) query.set('name', opts.name);
      if (opts.pageSize !== undefined) query.set('maxResults', String(opts.pageSize));
      if (token !== undefined) query.set('pageToken', token);
      const page = await this.request<ListResponse<ResourceOf[T]>>('GET', `/v1/${type}${query.size > 0 ? `?${query}` : ''}`);
      items.push(...page.items);
      token = page.nextPageToken;
    } while (token !== undefined);
    return items;
  }

  /** The resource, or undefined when it does not exist. */
  async get<T extends ResourceType>(type: T, id: string): Promise<ResourceOf[T] | undefined> {
    try {
      return await this.request<ResourceOf[T]>('GET', `/v1/${type}/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e instanceof LocalCloudError && e.apiCode === 'NotFound') return undefined;
      throw e;
    }
  }

  /** `instances` cannot be created (their body type is `never`): groups launch them. */
  create<T extends ResourceType>(type: T, body: CreateBodies[T]): Promise<ResourceOf[T]> {
    return this.request('POST', `/v1/${type}`, body);
  }

  update<T extends ResourceType>(type: T, id: string, patch: Partial<UpdateBodies[T]>): Promise<ResourceOf[T]> {
    return this.request('PATCH', `/v1/${type}/${encodeURIComponent(id)}`, patch);
  }

  /** Resolves once the resource is gone; DependencyViolation while something still uses it. */
  async delete(type: ResourceType, id: string): Promise<void> {
    await this.request('DELETE', `/v1/${type}/${encodeURIComponent(id)}`);
  }

  createTemplateVersion(templateId: string, version: CreateTemplateVersionBody): Promise<InstanceTemplate> {
    return this.request('POST', `/v1/instanceTemplates/${encodeURIComponent(templateId)}/versions`, version);
  }

  terminateInstance(groupId: string, instanceId: string, opts: InstanceActionOptions): Promise<Instance> {
    const body: InstanceActionBody = { instanceId, decrement: opts.decrement };
    return this.request('POST', `/v1/instanceGroups/${encodeURIComponent(groupId)}/terminate`, body);
  }

  detachInstance(groupId: string, instanceId: string, opts: InstanceActionOptions): Promise<Instance> {
    const body: InstanceActionBody = { instanceId, decrement: opts.decrement };
    return this.request('POST', `/v1/instanceGroups/${encodeURIComponent(groupId)}/detach`, body);
  }

  status(): Promise<DaemonStatus> {
    return this.request('GET', '/v1/status');
  }

  private async request<R>(method: string, path: string, body?: unknown): Promise<R> {
    const url = `${this.endpoint}${path}`;
    // A GET may be retried once when the connection failed: a kept-alive connection can be
    // closed by the server just as it is reused, and reading twice is harmless. Writes are
    // never repeated here (the executor decides, with isRetryableLocalError).
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: body === undefined ? undefined : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        if (method === 'GET' && attempt === 0 && isConnectionError(e)) continue;
        const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
        throw new LocalCloudError('Unavailable', `the local cloud at ${this.endpoint} did not answer ${method} ${path}: ${reason}`, 0, e);
      }
      const text = await response.text();
      if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as R;
      throw apiError(response.status, text, `${method} ${path}`);
    }
  }
}

function apiError(status: number, text: string, what: string): LocalCloudError {
  let error: ApiErrorBody['error'] | undefined;
  try {
    error = (JSON.parse(text) as Partial<ApiErrorBody>).error;
  } catch {
    // not an API error body
  }
  const known: readonly string[] = [...API_ERROR_CODES, 'InternalError'];
  const code = error !== undefined && known.includes(error.code) ? (error.code as LocalCloudErrorCode) : status >= 500 ? 'InternalError' : 'InvalidParameter';
  return new LocalCloudError(code, error?.message ?? `${what} failed with HTTP ${status}`, status);
}

/** Codes of a connection that could not be made or broke off: the request may not have arrived. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when `e`, or an error it was caused by, is a failed or broken connection. fetch reports
 * these as `TypeError: fetch failed` with the socket's error as its cause.
 */
export function isConnectionError(e: unknown): boolean {
  let current: unknown = e;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (typeof message === 'string' && /socket hang up|other side closed/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * What the executor retries on the local cloud: a connection to the daemon that failed or broke
 * (a restarting daemon), and the cloud's own "not ready yet" answers. Anything else (a refused
 * request, a daemon bug, a timeout, an error of hoist's) fails the step at once.
 */
export function isRetryableLocalError(e: unknown): boolean {
  if (e instanceof LocalCloudError) {
    if (e.apiCode === 'Conflict' || e.apiCode === 'DependencyViolation') return true;
    return e.apiCode === 'Unavailable' && isConnectionError(e.cause);
  }
  return isConnectionError(e);
}
