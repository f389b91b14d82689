/**
 * A fake Compute Engine v1 REST API on 127.0.0.1, for tests: no emulator of Compute exists.
 * It follows the public REST shapes (paths, camelCase JSON, int64 as strings, selfLinks,
 * Operations, paging, label filters, Google error bodies) for the calls hoist makes, keeps a
 * log of every request so that tests can count calls, and can fail chosen calls on purpose.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from './errors.js';
import { settle } from './migs.js';
import { route } from './router.js';
import { State } from './state.js';
import type { FakeOptions } from './state.js';
import type { Json } from './validate.js';

export interface RequestRecord {
  readonly method: string;
  /** Without the query, e.g. `/compute/v1/projects/p/global/networks`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
}

export interface Fault {
  readonly method?: string;
  readonly path: RegExp;
  readonly status: 429 | 500 | 502 | 503;
  /** How many matching calls fail; default 1. */
  readonly times?: number;
}

export class FakeCompute {
  readonly state: State;
  readonly requests: RequestRecord[] = [];
  private readonly faults: { fault: Fault; left: number }[] = [];
  private server: Server | undefined;
  private origin = '';

  private constructor(options: FakeOptions) {
    this.state = new State(options);
    this.state.settle = () => settle(this.state);
  }

  static async start(options: FakeOptions = {}): Promise<FakeCompute> {
    const fake = new FakeCompute(options);
    const server = createServer((req, res) => void fake.handle(req, res));
    // Idle connections stay open until the client closes them, as Google's front ends keep them
    // for minutes. Node's default (5 s) equals the idle timeout of the clients' shared agent: a
    // request sent on a connection the server was closing at that moment was reset before the
    // handler saw it, so hoist retried and counted an attempt that this log never held.
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    fake.server = server;
    fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return this.origin;
  }

  get port(): number {
    return Number(new URL(this.origin).port);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Makes the next matching calls fail with a transient error, as GCE sometimes does. */
  failNext(fault: Fault): void {
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  /** Requests whose method and path match. */
  count(method?: string, path?: RegExp): number {
    return this.requests.filter((r) => (method === undefined || r.method === method) && (path === undefined || path.test(r.path))).length;
  }

  /** Resources of a collection in any scope, as the API shows them in lists (e.g. `instances`). */
  resources(collection: string): Json[] {
    this.state.settle();
    return this.state.everywhereAnyProject(collection).map(([, r]) => r);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    let status = 200;
    let body: unknown;
    try {
      const text = await readBody(req);
      const fault = this.faults.find((f) => f.left > 0 && (f.fault.method === undefined || f.fault.method === method) && f.fault.path.test(url.pathname));
      if (fault) {
        fault.left--;
        throw new ApiError(fault.fault.status, fault.fault.status === 429 ? 'rateLimitExceeded' : 'backendError', fault.fault.status === 429 ? 'Rate Limit Exceeded' : 'Internal error. Please try again.');
      }
      let json: Json = {};
      if (text !== '') {
        try {
          json = JSON.parse(text) as Json;
        } catch {
          throw new ApiError(400, 'badRequest', 'Invalid JSON payload received.');
        }
      }
      body = await route(this.state, { method, path: url.pathname, query: url.searchParams, body: json });
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(500, 'backendError', e instanceof Error ? e.message : String(e));
      status = error.code;
      body = error.body();
    }
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), status });
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
