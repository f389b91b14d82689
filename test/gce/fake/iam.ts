/**
 * IAM and Resource Manager v1 as the fake Compute server answers them (the same 127.0.0.1
 * server, reached through HOIST_GCE_IAM_ENDPOINT and HOIST_GCE_RESOURCE_MANAGER_ENDPOINT):
 *
 * - `GET|POST /v1/projects/P/serviceAccounts` (list with `pageSize` up to 100 and `pageToken`;
 *   create with `{accountId, serviceAccount: {displayName, description}}`), and
 *   `GET|DELETE /v1/projects/P/serviceAccounts/EMAIL_OR_UNIQUE_ID`;
 * - `POST /v1/projects/P:getIamPolicy` and `POST /v1/projects/P:setIamPolicy` (`{policy}`), with
 *   the etag check (409 ABORTED on a stale one) and members that must exist.
 *
 * - `GET /v1/projects/P` (Resource Manager's project, with its `projectNumber`; calls may name the
 *   project by that number too);
 * - `POST /v1/projects/-/serviceAccounts/EMAIL:getIamPolicy` and `:setIamPolicy` (who may act as
 *   an account; `-` finds the account in any project), with the same etag and member checks;
 * - workload identity pools and their providers (workload-identity.ts).
 *
 * Errors are the newer APIs' bodies: `{error: {code, message, status}}`. A deleted account's
 * bindings stay in the policy as `deleted:serviceAccount:EMAIL?uid=ID`, as IAM keeps them.
 */

import type { FakeBinding, FakePolicy } from '../../support/fake-gcs/iam-policy.js';
import { PolicyRefused, etagOf, writePolicy } from '../../support/fake-gcs/iam-policy.js';
import { ApiError } from './errors.js';
import type { State } from './state.js';
import type { Json } from './validate.js';
import { FakeWorkloadIdentity } from './workload-identity.js';
import { createHash } from 'node:crypto';

export interface FakeAccount {
  readonly name: string;
  readonly projectId: string;
  readonly uniqueId: string;
  readonly email: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly etag: string;
  readonly oauth2ClientId: string;
}

const STATUS: Readonly<Record<number, string>> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS' };

/** A project's number: 12 digits, fixed by its id. */
export function projectNumberOf(project: string): string {
  return `1${(BigInt(`0x${createHash('sha256').update(project).digest('hex').slice(0, 12)}`) % 100_000_000_000n).toString().padStart(11, '0')}`;
}

class IamError extends ApiError {
  constructor(
    code: number,
    message: string,
    private readonly status: string = STATUS[code] ?? 'UNKNOWN',
  ) {
    super(code, code === 404 ? 'notFound' : code === 409 ? 'alreadyExists' : 'invalid', message);
  }

  override body(): ReturnType<ApiError['body']> {
    return { error: { code: this.code, message: this.message, errors: [], status: this.status } };
  }
}

/** The IAM side of one fake: accounts by email, and each project's policy. */
export class FakeIam {
  readonly accounts = new Map<string, FakeAccount>();
  private readonly policies = new Map<string, FakePolicy>();
  /** Each account's own policy (who may act as it), by email. */
  private readonly accountPolicies = new Map<string, FakePolicy>();
  readonly workloadIdentity: FakeWorkloadIdentity;

  constructor(operationMs = 20) {
    this.workloadIdentity = new FakeWorkloadIdentity(operationMs, (code, message, status) => new IamError(code, message, status));
  }

  /** An account's own policy. */
  accountPolicy(email: string): FakePolicy {
    return this.accountPolicies.get(email) ?? { version: 1, etag: etagOf([], 0), bindings: [] };
  }
  private serial = 0;
  private lastId = 100_000_000_000_000_000_000n;

  policy(project: string): FakePolicy {
    return this.policies.get(project) ?? { version: 1, etag: etagOf([], 0), bindings: [] };
  }

  /** Sets a project's bindings directly (someone else's grants, in tests). */
  setBindings(project: string, bindings: readonly FakeBinding[]): void {
    this.policies.set(project, { version: bindings.some((b) => b.condition) ? 3 : 1, etag: etagOf(bindings, ++this.serial), bindings });
  }

  /** The roles a member holds on the project, unconditionally. */
  rolesOf(project: string, member: string): string[] {
    return this.policy(project)
      .bindings.filter((b) => !b.condition && b.members.includes(member))
      .map((b) => b.role)
      .sort();
  }

  route(project: string, rest: string, method: string, query: URLSearchParams, body: Json): Json {
    if (rest === '' && method === 'GET') return { projectNumber: projectNumberOf(project), projectId: project, name: project, lifecycleState: 'ACTIVE' };
    const pools = '/locations/global/workloadIdentityPools';
    if (rest.startsWith(pools)) return this.workloadIdentity.route(`projects/${projectNumberOf(project)}${pools}`, rest.slice(pools.length), method, query, body);
    const acting = /^\/serviceAccounts\/([^/:]+):(getIamPolicy|setIamPolicy)$/.exec(rest);
    if (acting && method === 'POST') {
      const account = this.find(project, decodeURIComponent(acting[1]!));
      return acting[2] === 'getIamPolicy' ? (this.accountPolicy(account.email) as unknown as Json) : this.setAccountPolicy(account.email, body);
    }
    if (rest === ':getIamPolicy' && method === 'POST') return this.policy(project) as unknown as Json;
    if (rest === ':setIamPolicy' && method === 'POST') return this.setPolicy(project, body);
    if (rest === '/serviceAccounts' && method === 'GET') return this.list(project, query);
    if (rest === '/serviceAccounts' && method === 'POST') return this.create(project, body);
    const one = /^\/serviceAccounts\/([^/]+)$/.exec(rest);
    if (one) {
      const account = this.find(project, decodeURIComponent(one[1]!));
      if (method === 'GET') return account as unknown as Json;
      if (method === 'DELETE') {
        this.accounts.delete(account.email);
        this.forget(project, account);
        return {};
      }
    }
    throw new IamError(404, `Method not found: ${method} /v1/projects/${project}${rest}`);
  }

  private list(project: string, query: URLSearchParams): Json {
    const size = Math.min(Number(query.get('pageSize') ?? 20) || 20, 100);
    const all = [...this.accounts.values()].filter((a) => a.projectId === project).sort((a, b) => a.email.localeCompare(b.email));
    const offset = query.get('pageToken') ? Number(Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new IamError(400, 'Invalid page token.');
    const accounts = all.slice(offset, offset + size);
    const next = offset + size < all.length ? { nextPageToken: Buffer.from(String(offset + size)).toString('base64url') } : {};
    return { ...(accounts.length > 0 ? { accounts: accounts as unknown as Json[] } : {}), ...next };
  }

  private create(project: string, body: Json): Json {
    const accountId = body['accountId'];
    if (typeof accountId !== 'string' || !/^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/.test(accountId)) {
      throw new IamError(400, `Invalid account id: ${String(accountId)}. It must be 6 to 30 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen.`);
    }
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    if (this.accounts.has(email)) throw new IamError(409, `Service account ${accountId} already exists within project projects/${project}.`);
    const given = (body['serviceAccount'] ?? {}) as { displayName?: unknown; description?: unknown };
    if (typeof given.displayName === 'string' && given.displayName.length > 100) throw new IamError(400, 'displayName must be at most 100 characters.');
    if (typeof given.description === 'string' && given.description.length > 256) throw new IamError(400, 'description must be at most 256 characters.');
    const uniqueId = String(++this.lastId);
    const account: FakeAccount = {
      name: `projects/${project}/serviceAccounts/${email}`,
      projectId: project,
      uniqueId,
      email,
      ...(typeof given.displayName === 'string' ? { displayName: given.displayName } : {}),
      ...(typeof given.description === 'string' ? { description: given.description } : {}),
      etag: Buffer.from(uniqueId).toString('base64'),
      oauth2ClientId: uniqueId,
    };
    this.accounts.set(email, account);
    return account as unknown as Json;
  }

  private find(project: string, key: string): FakeAccount {
    const found = this.accounts.get(key) ?? [...this.accounts.values()].find((a) => a.uniqueId === key);
    if (!found || (found.projectId !== project && project !== '-')) throw new IamError(404, `Unknown service account`);
    return found;
  }

  /** A deleted account's bindings stay, renamed, until someone removes them. */
  private forget(project: string, account: FakeAccount): void {
    const member = `serviceAccount:${account.email}`;
    const p = this.policy(project);
    if (!p.bindings.some((b) => b.members.includes(member))) return;
    this.setBindings(
      project,
      p.bindings.map((b) => ({ ...b, members: b.members.map((m) => (m === member ? `deleted:${member}?uid=${account.uniqueId}` : m)) })),
    );
  }

  private setPolicy(project: string, body: Json): Json {
    return this.write(this.policy(project), body, (next) => this.policies.set(project, next));
  }

  private setAccountPolicy(email: string, body: Json): Json {
    return this.write(this.accountPolicy(email), body, (next) => this.accountPolicies.set(email, next));
  }

  private write(current: FakePolicy, body: Json, keep: (next: FakePolicy) => void): Json {
    const exists = (m: string): string | undefined => {
      const email = /^serviceAccount:(.+)$/.exec(m)?.[1];
      return email !== undefined && email.endsWith('.iam.gserviceaccount.com') && !this.accounts.has(email) ? `Service account ${email} does not exist.` : undefined;
    };
    try {
      const next = writePolicy(current, body['policy'], ++this.serial, exists);
      keep(next);
      return next as unknown as Json;
    } catch (e) {
      if (e instanceof PolicyRefused) throw new IamError(e.code, e.message, e.code === 409 ? 'ABORTED' : 'INVALID_ARGUMENT');
      throw e;
    }
  }
}

const fakes = new WeakMap<State, FakeIam>();
const known = new Map<string, string>();

/** The IAM side of a fake's state. */
export function iamOf(state: State): FakeIam {
  let iam = fakes.get(state);
  if (!iam) fakes.set(state, (iam = new FakeIam(state.operationMs)));
  return iam;
}

/** `/v1/projects/P…`: the IAM and Resource Manager paths. */
export function routeIam(state: State, method: string, path: string, query: URLSearchParams, body: Json): Json {
  const m = /^\/v1\/projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|\d{6,20}|-)((?::|\/).*)?$/.exec(path);
  if (!m) throw new IamError(404, `Not found: ${path}`);
  const iam = iamOf(state);
  // A project named by its number: the fake knows the numbers of the projects it has seen by id.
  const project = /^\d+$/.test(m[1]!) ? (known.get(m[1]!) ?? m[1]!) : m[1]!;
  if (project !== '-' && !/^\d+$/.test(project)) known.set(projectNumberOf(project), project);
  return iam.route(project, m[2] ?? '', method, query, body);
}
