/**
 * Loopback stand-ins for what a booting machine talks to: AWS's instance metadata (IMDSv2),
 * GCE's metadata server, and an HTTP mirror (GCS is test/support/fake-gcs). Each follows the
 * public API's shapes and refuses a request without the token or header the real one needs,
 * so a script that forgets one fails here too.
 */

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';

export interface Listening {
  readonly url: string;
  /** Paths asked for, in order ("PUT /latest/api/token"). */
  readonly requests: string[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Serves `handler` on 127.0.0.1 (`port` 0: any free one). */
export async function listen(handler: Handler, port = 0): Promise<Listening> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    Promise.resolve(handler(req, res)).catch((e: unknown) => send(res, 500, String(e)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A loopback port nothing listens on right now (for a server that starts late). */
export async function freePort(): Promise<number> {
  const probe = await listen(() => undefined);
  await probe.close();
  return Number(new URL(probe.url).port);
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface InstanceCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** IMDSv2: a session token from PUT /latest/api/token, then GETs that carry it. */
export function fakeImds(opts: { instanceId: string; role: string; credentials: InstanceCredentials }): Promise<Listening> {
  const tokens = new Set<string>();
  const creds = opts.credentials;
  return listen((req, res) => {
    const path = req.url ?? '/';
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT' || req.headers['x-aws-ec2-metadata-token-ttl-seconds'] === undefined) return send(res, 400, 'a token is PUT with X-aws-ec2-metadata-token-ttl-seconds');
      const token = randomBytes(16).toString('base64url');
      tokens.add(token);
      return send(res, 200, token);
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !tokens.has(token)) return send(res, 401, 'IMDSv2 needs X-aws-ec2-metadata-token');
    const body: Record<string, string> = {
      '/latest/meta-data/instance-id': opts.instanceId,
      '/latest/meta-data/iam/security-credentials/': opts.role,
      [`/latest/meta-data/iam/security-credentials/${opts.role}`]: JSON.stringify({
        Code: 'Success',
        LastUpdated: new Date().toISOString(),
        Type: 'AWS-HMAC',
        AccessKeyId: creds.accessKeyId,
        SecretAccessKey: creds.secretAccessKey,
        Token: creds.sessionToken,
        Expiration: new Date(Date.now() + 3_600_000).toISOString(),
      }, null, 2),
    };
    const found = body[path];
    return found === undefined ? send(res, 404, 'Not Found') : send(res, 200, found);
  });
}

/**
 * GCE's metadata server: the instance's name and its service account's access token (whatever
 * scopes are asked for: GCE gives the instance's own). Every answer carries `Metadata-Flavor:
 * Google`, by which Google's client libraries recognise it (they probe `instance/` first).
 */
export function fakeGceMetadata(opts: { name: string; accessToken: string }): Promise<Listening> {
  return listen((req, res) => {
    res.setHeader('Metadata-Flavor', 'Google');
    if (req.headers['metadata-flavor'] !== 'Google') return send(res, 403, 'Missing Metadata-Flavor:Google header');
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '');
    if (path === '/computeMetadata/v1/instance') return send(res, 200, 'attributes/\nhostname\nid\nname\nservice-accounts/\nzone\n', 'application/text');
    if (path === '/computeMetadata/v1/instance/name') return send(res, 200, opts.name, 'application/text');
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return send(res, 200, JSON.stringify({ access_token: opts.accessToken, expires_in: 3599, token_type: 'Bearer' }), 'application/json');
    }
    return send(res, 404, 'Not Found');
  });
}

/** A plain HTTP mirror of a folder. */
export function serveFolder(dir: string, port = 0): Promise<Listening> {
  return listen((req, res) => serveFile(dir, req, res), port);
}

async function serveFile(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  if (req.method !== 'GET' || path.includes('..')) return send(res, 400, 'bad request');
  const body = await readFile(join(dir, path)).catch(() => undefined);
  return body === undefined ? send(res, 404, 'Not Found') : send(res, 200, body, 'application/octet-stream');
}
