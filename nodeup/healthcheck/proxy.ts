/**
 * The API server's health over plain HTTP (kops's kube-apiserver-healthcheck): a listener that
 * forwards GET /readyz, /livez and /healthz (with their query, e.g. `?verbose`) to the local API
 * server over TLS with a client certificate that RBAC lets read only those paths, and answers
 * everything else with 404, so that the port gives nothing away but health. An API server that
 * cannot be reached is 503, which load balancers read as unhealthy.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { EventSink } from '../../src/output/events.js';
import { silent } from '../../src/output/events.js';
import { API_HEALTH_CHECK_PATHS } from './port.js';

/** PEM: the CA that signed the API server's certificate, and the client's certificate and key. */
export interface HealthProxyCredentials {
  readonly ca: string;
  readonly certificate: string;
  readonly key: string;
}

export interface HealthProxyOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** The API server, `https://<address>:<port>`. */
  readonly upstream: string;
  /** Read for each probe, so that a renewed certificate is used without a restart. */
  readonly credentials: () => Promise<HealthProxyCredentials>;
  /** Default 5 s: GCE's probes give up after 5 s. */
  readonly timeoutMs?: number;
  readonly events?: EventSink;
}

export interface HealthProxy {
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 5000;

function answer(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

async function forward(opts: HealthProxyOptions, path: string, res: ServerResponse): Promise<void> {
  const events = opts.events ?? silent;
  const target = new URL(path, opts.upstream);
  let tls: HealthProxyCredentials;
  try {
    tls = await opts.credentials();
  } catch (e) {
    events({ level: 'warn', code: 'healthcheck.credentials', message: `cannot read the client certificate: ${e instanceof Error ? e.message : String(e)}` });
    answer(res, 503, 'the health check client certificate cannot be read');
    return;
  }
  await new Promise<void>((resolve) => {
    const up = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'GET', ca: tls.ca, cert: tls.certificate, key: tls.key, agent: false, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      (upRes) => {
        const type = upRes.headers['content-type'];
        res.writeHead(upRes.statusCode ?? 502, type === undefined ? {} : { 'content-type': type });
        upRes.pipe(res);
        upRes.on('end', resolve);
        upRes.on('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    up.on('timeout', () => up.destroy(new Error(`no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
    up.on('error', (e) => {
      events({ level: 'debug', code: 'healthcheck.upstream', message: `${target.origin}${target.pathname}: ${e.message}` });
      answer(res, 503, `the API server at ${target.origin} does not answer: ${e.message}`);
      resolve();
    });
    up.end();
  });
}

function handle(opts: HealthProxyOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://health');
  if (req.method !== 'GET' || !API_HEALTH_CHECK_PATHS.includes(url.pathname)) {
    answer(res, 404, 'not found: only GET /readyz, /livez and /healthz are served here');
    return;
  }
  void forward(opts, `${url.pathname}${url.search}`, res);
}

export async function startHealthProxy(opts: HealthProxyOptions): Promise<HealthProxy> {
  const server = createServer((req, res) => handle(opts, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
