/**
 * Who is asking: a client certificate signed by the client CA (user = CN, groups = the O
 * values), or a bootstrap token (`Authorization: Bearer <id>.<secret>`, checked against the
 * `bootstrap-token-<id>` Secret in kube-system), or, only when anonymous requests are allowed,
 * `system:anonymous`. Every authenticated user is also in `system:authenticated`.
 */

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { unauthorized } from './status.js';
import type { KubeObject } from './storage.js';

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface AuthnOptions {
  readonly anonymousAuth: boolean;
  /** The Secret that holds a bootstrap token, or undefined. */
  readonly readSecret: (namespace: string, name: string) => Promise<KubeObject | undefined>;
  readonly now?: () => Date;
}

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

function certificateUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (name === undefined || name === '') return undefined;
  const o = subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups, 'system:authenticated'] };
}

const field = (secret: KubeObject, key: string): string | undefined => {
  const data = (secret.data ?? {}) as Record<string, string>;
  const raw = data[key];
  return raw === undefined ? undefined : Buffer.from(raw, 'base64').toString('utf8');
};

async function tokenUser(token: string, opts: AuthnOptions): Promise<UserInfo | undefined> {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const [, id = '', secretPart] = m;
  const secret = await opts.readSecret('kube-system', `bootstrap-token-${id}`);
  if (secret === undefined || secret.type !== 'bootstrap.kubernetes.io/token') return undefined;
  if (field(secret, 'token-id') !== id || field(secret, 'token-secret') !== secretPart) return undefined;
  if (field(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const expiration = field(secret, 'expiration');
  if (expiration !== undefined && Date.parse(expiration) <= (opts.now?.() ?? new Date()).getTime()) return undefined;
  const extra = (field(secret, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g.startsWith('system:bootstrappers:'));
  return { name: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}

/** The user of a request; a 401 `Status` when it has no valid credentials and anonymous requests are off. */
export async function authenticate(req: IncomingMessage, opts: AuthnOptions): Promise<UserInfo> {
  const fromCert = certificateUser(req);
  if (fromCert !== undefined) return fromCert;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const user = bearer ? await tokenUser(bearer[1] ?? '', opts) : undefined;
    // A credential that was offered and is wrong is refused even when anonymous requests are allowed.
    if (user === undefined) throw unauthorized();
    return user;
  }
  if (opts.anonymousAuth) return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  throw unauthorized();
}
