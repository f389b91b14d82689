/**
 * A forward HTTP proxy on 127.0.0.1 that counts what it forwards, for the tests of
 * spec.egressProxy. Plain http only (absolute-form requests, no CONNECT), and only to
 * 127.0.0.1: anything else is refused with 403.
 */

import { createServer, request } from 'node:http';
import type { Server } from 'node:http';

export interface CountingProxy {
  readonly url: string;
  /** The requests it forwarded, in order ("GET http://127.0.0.1:1234/x"). */
  readonly forwarded: string[];
  close(): Promise<void>;
}

export async function countingProxy(): Promise<CountingProxy> {
  const forwarded: string[] = [];
  const server: Server = createServer((req, res) => {
    const target = URL.canParse(req.url ?? '') ? new URL(req.url ?? '') : undefined;
    if (target?.hostname !== '127.0.0.1' || target.protocol !== 'http:') {
      res.writeHead(403).end('this proxy forwards only to http://127.0.0.1');
      return;
    }
    forwarded.push(`${req.method} ${target.href}`);
    const up = request({ host: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', (e) => res.writeHead(502).end(String(e)));
    req.pipe(up);
  });
  // CONNECT (a tunnel) is not served: the tests' targets are plain http, which a proxy gets as is.
  server.on('connect', (req, socket) => {
    forwarded.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
