/**
 * What the fake holds: resources by path (`projects/P/zones/Z/instances/N`) as the JSON the
 * API returns, and operations. Every mutation makes an Operation that is PENDING, then RUNNING,
 * then DONE a little later (or once the work it stands for has finished).
 */

import { createHash, randomBytes } from 'node:crypto';
import { ApiError, invalid, notFound } from './errors.js';
import { link, scopePath } from './links.js';
import type { Scope } from './links.js';
import type { Json } from './validate.js';

export interface FakeOptions {
  /** How long an operation stays unfinished at least; default 20 ms. */
  readonly operationMs?: number;
  /** How long a managed instance takes per step (provisioning, staging, stopping); default 20 ms. */
  readonly instanceStepMs?: number;
  /** The longest a `wait` call blocks before answering with the operation as it is; default 2 min as on GCE. */
  readonly waitTimeoutMs?: number;
}

/** A group member: what its group does to it and when each step ends. */
export interface ManagedInstance {
  readonly group: string;
  action: 'CREATING' | 'RECREATING' | 'DELETING' | 'NONE';
  /** When the current step ends (ms since the epoch). */
  stepEndsAt: number;
}

interface OperationRecord {
  readonly json: Json;
  /** PENDING until then, RUNNING until doneAt: a third of the operation's time is queued. */
  readonly startAt: number;
  readonly doneAt: number;
  /** Work that must be over before the operation is DONE (a group deleting its instances). */
  readonly finished?: () => boolean;
  endedAt?: number;
}

export class State {
  readonly resources = new Map<string, Json>();
  readonly operations = new Map<string, OperationRecord>();
  readonly requestIds = new Map<string, string>();
  /** Instance path to its group membership. */
  readonly managed = new Map<string, ManagedInstance>();
  /** Groups being deleted: they go once their instances are gone. */
  readonly groupsDeleting = new Set<string>();
  /** Moves managed instances on to the step they have reached; set by the server. */
  settle: () => void = () => undefined;
  private lastExternal = 0;
  readonly operationMs: number;
  readonly instanceStepMs: number;
  readonly waitTimeoutMs: number;
  private lastId = BigInt(Date.now()) * 1_000_000n;

  constructor(options: FakeOptions = {}) {
    this.operationMs = options.operationMs ?? 20;
    this.instanceStepMs = options.instanceStepMs ?? 20;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 120_000;
  }

  /** A numeric id as the API gives it: an unsigned 64-bit integer, sent as a string. */
  newId(): string {
    this.lastId += BigInt(1 + Math.floor(Math.random() * 1000));
    return this.lastId.toString();
  }

  /** Projects have a number besides their id; instance metadata names templates and groups by it. */
  projectNumber(project: string): string {
    return String(100_000_000_000 + (Number.parseInt(createHash('sha256').update(project).digest('hex').slice(0, 8), 16) % 900_000_000_000));
  }

  /** An external address from TEST-NET-3 (203.0.113.0/24): documentation only, never reachable. */
  externalIp(): string {
    this.lastExternal = (this.lastExternal % 253) + 1;
    return `203.0.113.${this.lastExternal}`;
  }

  now(): string {
    return new Date().toISOString();
  }

  get(path: string): Json | undefined {
    return this.resources.get(path);
  }

  mustGet(path: string): Json {
    const r = this.resources.get(path);
    if (!r) throw notFound(path);
    return r;
  }

  /** Resources directly in a collection, by name. */
  list(collectionPath: string): Json[] {
    const prefix = `${collectionPath}/`;
    return [...this.resources.entries()]
      .filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map(([, r]) => r)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }

  /** Every resource of a collection in a project, any scope, as `[path, resource]`. */
  everywhere(project: string, collection: string): [string, Json][] {
    const re = new RegExp(`^projects/${project}/(?:global|regions/[^/]+|zones/[^/]+)/${collection}/[^/]+$`);
    return [...this.resources.entries()].filter(([p]) => re.test(p)).sort(([a], [b]) => a.localeCompare(b));
  }

  /** Every resource of a collection in any project and scope. */
  everywhereAnyProject(collection: string): [string, Json][] {
    const re = new RegExp(`^projects/[^/]+/(?:global|regions/[^/]+|zones/[^/]+)/${collection}/[^/]+$`);
    return [...this.resources.entries()].filter(([p]) => re.test(p));
  }

  /** Starts an operation; `requestId` makes a retried call return the first call's operation. */
  operation(
    project: string,
    scope: Scope,
    operationType: string,
    target: { readonly path: string; readonly id?: unknown },
    finished?: () => boolean,
  ): Json {
    const startAt = Date.now();
    const name = `operation-${startAt}-${randomBytes(6).toString('hex')}`;
    const path = `${scopePath(project, scope)}/operations/${name}`;
    const json: Json = {
      kind: 'compute#operation',
      id: this.newId(),
      name,
      operationType,
      targetLink: link(target.path),
      ...(target.id === undefined ? {} : { targetId: target.id }),
      user: 'hoist-tests@example.com',
      insertTime: new Date(startAt).toISOString(),
      selfLink: link(path),
      ...(scope.kind === 'zone' ? { zone: link(scopePath(project, scope)) } : {}),
      ...(scope.kind === 'region' ? { region: link(scopePath(project, scope)) } : {}),
    };
    const queued = Math.floor(this.operationMs / 3);
    this.operations.set(path, { json, startAt: startAt + queued, doneAt: startAt + this.operationMs, ...(finished ? { finished } : {}) });
    return this.operationView(path);
  }

  /** Returns the operation of an earlier call with this request id, if any. */
  replayed(requestId: unknown): Json | undefined {
    if (requestId === undefined) return undefined;
    if (typeof requestId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(requestId) || /^[0-]+$/.test(requestId)) {
      throw invalid('requestId', requestId, 'The request ID must be a valid UUID other than the zero UUID.');
    }
    const path = this.requestIds.get(requestId);
    return path === undefined ? undefined : this.operationView(path);
  }

  remember(requestId: unknown, operation: Json): void {
    if (typeof requestId === 'string') this.requestIds.set(requestId, pathOfLink(String(operation.selfLink)));
  }

  operationView(path: string): Json {
    this.settle();
    const op = this.operations.get(path);
    if (!op) throw notFound(path);
    const now = Date.now();
    const done = op.endedAt !== undefined || (now >= op.doneAt && (op.finished?.() ?? true));
    if (done && op.endedAt === undefined) op.endedAt = now;
    const status = done ? 'DONE' : now >= op.startAt ? 'RUNNING' : 'PENDING';
    return {
      ...op.json,
      status,
      progress: done ? 100 : 0,
      ...(status === 'PENDING' ? {} : { startTime: new Date(op.startAt).toISOString() }),
      ...(done ? { endTime: new Date(op.endedAt!).toISOString() } : {}),
    };
  }

  /** Answers when the operation is DONE, or after the wait timeout with it as it is then. */
  async waitFor(path: string): Promise<Json> {
    const until = Date.now() + this.waitTimeoutMs;
    for (;;) {
      const view = this.operationView(path);
      if (view.status === 'DONE' || Date.now() >= until) return view;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export function pathOfLink(url: string): string {
  const m = /\/compute\/v1\/(.*)$/.exec(url);
  if (!m) throw new ApiError(500, 'backendError', `not a link: ${url}`);
  return m[1]!;
}
