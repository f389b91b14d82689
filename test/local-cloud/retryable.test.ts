/**
 * What an apply on the local cloud retries: a connection to the daemon that failed or broke, and
 * the cloud's "not ready yet" answers; everything else fails at once. Real sockets on loopback
 * stand for the daemon, so the errors are the ones fetch really reports.
 */

import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloudClient, LocalCloudError, isConnectionError, isRetryableLocalError } from '../../cloudup/local/client.js';
import { execute } from '../../src/engine/executor.js';
import type { Step } from '../../src/engine/executor.js';

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

interface Daemon {
  readonly endpoint: string;
  /** Requests that got as far as the handler, and connections made. */
  readonly seen: { requests: number; connections: number };
}

/**
 * A stand-in daemon on loopback: the first `drop` connections are reset as soon as they are
 * made (ECONNRESET on the client), and every request after that gets `status` and `body`.
 */
async function daemon(status: number, body: unknown, drop = 0): Promise<Daemon> {
  const seen = { requests: 0, connections: 0 };
  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    seen.requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(body));
    });
  });
  const server = createNetServer((socket) => {
    if (seen.connections++ < drop) socket.resetAndDestroy();
    else http.emit('connection', socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** An address where nothing listens: a connection there is refused. */
async function refusedEndpoint(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

const network = { name: 'n', cidr: '127.30.0.0/16', tags: {} };
const created = { id: 'net-1', name: 'n', cidr: '127.30.0.0/16', tags: {}, createdAt: '2026-01-01T00:00:00Z' };

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('local cloud: connection errors', () => {
  it('a refused connection is Unavailable, coded CLOUD, and retryable', async () => {
    const client = new LocalCloudClient(await refusedEndpoint());
    const e = await failure(client.create('networks', network));
    expect(e).toBeInstanceOf(LocalCloudError);
    expect(e).toMatchObject({ apiCode: 'Unavailable', code: 'CLOUD', user: true });
    expect(isConnectionError(e)).toBe(true);
    expect(isRetryableLocalError(e)).toBe(true);
  });

  it('a connection cut before the answer is retryable; a GET is sent again once, a write is not', async () => {
    const cut = await daemon(200, { items: [] }, 10);
    const client = new LocalCloudClient(cut.endpoint);
    const write = await failure(client.create('networks', network));
    expect(write).toMatchObject({ apiCode: 'Unavailable', code: 'CLOUD' });
    expect(isRetryableLocalError(write)).toBe(true);
    expect(cut.seen.connections).toBe(1);

    const once = await daemon(200, { items: [] }, 1);
    const reader = new LocalCloudClient(once.endpoint);
    await expect(reader.list('networks')).resolves.toEqual([]);
    expect(reader.stats.requests).toBe(2);
  });
});

describe('local cloud: other errors fail at once', () => {
  it('a refused request is not retried, and a GET is not repeated', async () => {
    const refusing = await daemon(400, { error: { code: 'InvalidParameter', message: 'cidr: "x" is not a CIDR' } });
    const client = new LocalCloudClient(refusing.endpoint);
    const e = await failure(client.list('networks'));
    expect(e).toMatchObject({ apiCode: 'InvalidParameter', code: 'INVALID_SPEC' });
    expect(isRetryableLocalError(e)).toBe(false);
    expect(refusing.seen.requests).toBe(1);
  });

  it('a daemon error (500) is coded CLOUD, shown as internal, and not retried', async () => {
    const broken = await daemon(500, { error: { code: 'InternalError', message: 'boom' } });
    const e = await failure(new LocalCloudClient(broken.endpoint).create('networks', network));
    expect(e).toMatchObject({ apiCode: 'InternalError', code: 'CLOUD', user: false });
    expect(isRetryableLocalError(e)).toBe(false);
  });

  it('errors of hoist itself, a timeout and AddressInUse are not retried; not-ready answers are', () => {
    expect(isRetryableLocalError(new Error('instance template t vanished'))).toBe(false);
    expect(isRetryableLocalError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(isRetryableLocalError(new LocalCloudError('Unavailable', 'did not answer', 0, timeout))).toBe(false);
    expect(isRetryableLocalError(new LocalCloudError('AddressInUse', '127.30.0.1:6443 is taken', 409))).toBe(false);
    expect(isRetryableLocalError(new LocalCloudError('Conflict', 'group is being deleted', 409))).toBe(true);
    expect(isRetryableLocalError(new LocalCloudError('DependencyViolation', 'still in use', 409))).toBe(true);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(isRetryableLocalError(new TypeError('fetch failed', { cause: reset }))).toBe(true);
    expect(isRetryableLocalError(new Error('socket hang up'))).toBe(true);
  });
});

describe('local cloud: the executor with its retry rule', () => {
  // A bound on attempts, so that a rule that retried too much fails here instead of spinning.
  const run = (steps: Step[]) => execute(steps, { isRetryable: isRetryableLocalError, sleep: async () => undefined, retry: { maxAttempts: 3 } });
  const attemptsOf = async (step: Step) => {
    const result = await run([step]);
    return { ok: result.ok, attempts: result.failures[0]?.attempts };
  };

  it('retries a create whose connection was cut, and it then succeeds', async () => {
    const flaky = await daemon(201, created, 1);
    const client = new LocalCloudClient(flaky.endpoint);
    const result = await run([{ id: 'Network/n', dependsOn: [], run: () => client.create('networks', network) }]);
    expect(result.ok).toBe(true);
    expect(result.results.get('Network/n')).toEqual(created);
    expect(flaky.seen.connections).toBe(2);
  });

  it('fails at once on a refused request and on an error that is not the cloud\'s', async () => {
    const refusing = await daemon(400, { error: { code: 'InvalidParameter', message: 'bad' } });
    const client = new LocalCloudClient(refusing.endpoint);
    expect(await attemptsOf({ id: 'a', dependsOn: [], run: () => client.create('networks', network) })).toEqual({ ok: false, attempts: 1 });
    expect(refusing.seen.requests).toBe(1);
    let calls = 0;
    const bug: Step = {
      id: 'b',
      dependsOn: [],
      run: () => {
        calls++;
        return Promise.reject(new Error('a defect'));
      },
    };
    expect(await attemptsOf(bug)).toEqual({ ok: false, attempts: 1 });
    expect(calls).toBe(1);
  });
});
