/**
 * `regions/R/healthChecks` (the API's regionHealthChecks): TCP, HTTP and HTTPS health checks, the
 * kind a backend service takes. The fake keeps them and who uses them; it runs no probes.
 */

import type { Collection } from '../collection.js';
import { inUse, invalid, required } from '../errors.js';
import { usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { int64, optionalString } from '../validate.js';

const TYPES: Readonly<Record<string, string>> = { TCP: 'tcpHealthCheck', HTTP: 'httpHealthCheck', HTTPS: 'httpsHealthCheck' };

function intIn(body: Json, key: string, fallback: number, min: number, max: number, field = `resource.${key}`): number {
  const v = int64(body[key], field) ?? fallback;
  if (v < min || v > max) throw invalid(field, body[key], `Must be between ${min} and ${max}.`);
  return v;
}

/** The type's own part: its port, and for HTTP(S) the request path. */
function probe(type: string, body: Json): Json {
  const key = TYPES[type]!;
  const p = body[key];
  if (p === undefined) throw required(`resource.${key}`);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalid(`resource.${key}`, p, 'Expected an object.');
  const given = p as Json;
  const port = intIn(given, 'port', type === 'HTTPS' ? 443 : 80, 1, 65535, `resource.${key}.port`);
  if (type === 'TCP') return { port, proxyHeader: given.proxyHeader ?? 'NONE' };
  const requestPath = optionalString(given, 'requestPath', `resource.${key}.requestPath`) ?? '/';
  if (!requestPath.startsWith('/')) throw invalid(`resource.${key}.requestPath`, requestPath, "The request path must start with '/'.");
  return { port, requestPath, proxyHeader: given.proxyHeader ?? 'NONE' };
}

function healthCheck(body: Json): Json {
  optionalString(body, 'description', 'resource.description');
  const type = body.type;
  if (type === undefined) throw required('resource.type');
  if (typeof type !== 'string' || !(type in TYPES)) throw invalid('resource.type', type, 'Only TCP, HTTP and HTTPS health checks are covered by the fake.');
  for (const [other, key] of Object.entries(TYPES)) if (other !== type && body[key] !== undefined) throw invalid(`resource.${key}`, body[key], `A ${type} health check takes ${TYPES[type]!} only.`);
  const checkIntervalSec = intIn(body, 'checkIntervalSec', 5, 1, 300);
  const timeoutSec = intIn(body, 'timeoutSec', 5, 1, 300);
  if (timeoutSec > checkIntervalSec) throw invalid('resource.timeoutSec', timeoutSec, 'timeoutSec must be less than or equal to checkIntervalSec.');
  return {
    ...(body.description === undefined ? {} : { description: body.description }),
    type,
    [TYPES[type]!]: probe(type, body),
    checkIntervalSec,
    timeoutSec,
    healthyThreshold: intIn(body, 'healthyThreshold', 2, 1, 10),
    unhealthyThreshold: intIn(body, 'unhealthyThreshold', 2, 1, 10),
  };
}

const KEEP = ['kind', 'id', 'name', 'creationTimestamp', 'selfLink', 'region'];

export const healthChecks: Collection = {
  name: 'healthChecks',
  kind: 'compute#healthCheck',
  scope: 'region',
  insert: (_ctx, body) => healthCheck(body),
  update(_ctx, _path, r, body) {
    if (body.name !== undefined && body.name !== r.name) throw invalid('resource.name', body.name, 'The name cannot change.');
    return { ...Object.fromEntries(KEEP.map((k) => [k, r[k]])), ...healthCheck(body) };
  },
  /** A patch that changes the type drops the old type's part, as the API does. */
  patch(ctx, path, r, body) {
    const type = body.type ?? r.type;
    const merged: Json = { ...r, ...body };
    for (const [other, key] of Object.entries(TYPES)) if (other !== type) delete merged[key];
    return healthChecks.update!(ctx, path, r, merged);
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['backendServices', (b) => (b.healthChecks as unknown[] | undefined) ?? []]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
