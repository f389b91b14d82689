/**
 * Every Compute call of hoist goes through here: transient errors are retried with backoff
 * (a mutation keeps its requestId, so GCE carries it out once however often it is sent), lists
 * are read to the last page, and a mutation returns only once its Operation is DONE, throwing
 * the operation's error if it failed.
 */

import { randomUUID } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import type { ComputeClients } from './clients.js';
import { GceApiError, errorInfo, isNotFound, isTransient } from './errors.js';
import { lastSegment } from './links.js';

export type Operation = protos.google.cloud.compute.v1.IOperation;

export interface ComputeOptions {
  readonly project: string;
  readonly clients: ComputeClients;
  /** Attempts per call, the first included; default 5. */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the client library's paged calls return with `autoPaginate: false`. */
type PageResult<T> = [T[], { pageToken?: string | null } | null | undefined, unknown];

/** `fn`, sent again with backoff while it fails transiently, at most `maxAttempts` times; its error names `what`. */
export async function callWithRetries<T>(what: string, fn: () => Promise<T>, maxAttempts: number, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= maxAttempts || !isTransient(e)) throw e instanceof GceApiError ? e : new GceApiError(what, errorInfo(e), e);
      await sleep(Math.min(8000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  }
}

export class Compute {
  readonly project: string;
  readonly clients: ComputeClients;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ComputeOptions) {
    this.project = options.project;
    this.clients = options.clients;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** One call, retried while it fails transiently; its error names `what`. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return callWithRetries(what, fn, this.maxAttempts, this.sleep);
  }

  /** Every page of a list, one call per page. */
  async list<T>(what: string, page: (pageToken: string | undefined) => Promise<PageResult<T>>): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const [items, next] = await this.call(what, () => page(token));
      out.push(...items);
      token = next?.pageToken ?? undefined;
    } while (token);
    return out;
  }

  /** An aggregated list (every zone or region at once) as its scoped entries. */
  async aggregated<S>(what: string, iterate: () => AsyncIterable<[string, S]>): Promise<[string, S][]> {
    return this.call(what, async () => {
      const out: [string, S][] = [];
      for await (const entry of iterate()) out.push(entry);
      return out;
    });
  }

  /** A get; undefined when the object does not exist. */
  async get<T>(what: string, fn: () => Promise<[T, ...unknown[]]>): Promise<T | undefined> {
    try {
      return (await this.call(what, fn))[0];
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Sends a mutation with a fresh requestId and waits until its operation is DONE. */
  async mutate(what: string, send: (requestId: string) => Promise<[unknown, ...unknown[]]>): Promise<Operation> {
    const requestId = randomUUID();
    const [started] = await this.call(what, () => send(requestId));
    return this.wait(what, (started as { latestResponse: Operation }).latestResponse);
  }

  /** Waits on the operation's own scope (`…/operations/OP/wait`) until it is DONE. */
  async wait(what: string, op: Operation): Promise<Operation> {
    let current = op;
    while (current.status !== 'DONE') {
      const operation = current.name ?? '';
      const project = this.project;
      const [next] = current.zone
        ? await this.call(`wait for ${what}`, () => this.clients.zoneOperations.wait({ project, zone: lastSegment(current.zone!), operation }))
        : current.region
          ? await this.call(`wait for ${what}`, () => this.clients.regionOperations.wait({ project, region: lastSegment(current.region!), operation }))
          : await this.call(`wait for ${what}`, () => this.clients.globalOperations.wait({ project, operation }));
      current = next;
    }
    const failed = current.error?.errors?.[0];
    if (failed) throw new GceApiError(what, { reason: failed.code ?? 'OPERATION_FAILED', message: failed.message ?? 'the operation failed' }, current);
    return current;
  }
}
