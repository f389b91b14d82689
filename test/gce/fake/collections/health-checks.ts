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

const PORT_SPECIFICATIONS = ['USE_FIXED_PORT', 'USE_NAMED_PORT', 'USE_SERVING_PORT'];
const PROXY_HEADERS = ['NONE', 'PROXY_V1'];

function oneOf(given: Json, key: string, values: readonly string[], fallback: string, field: string): string {
  const v = optionalString(given, key, field) ?? fallback;
  if (!values.includes(v)) throw invalid(field, v, `Must be one of ${values.join(', ')}.`);
  return v;
}

/** A string field of at most 1,024 characters, as the API bounds a probe's path, host and response. */
function bounded(given: Json, key: string, field: string): string | undefined {
  const v = optionalString(given, key, field);
  if (v !== undefined && v.length > 1024) throw invalid(field, v, 'Must be at most 1024 characters.');
  return v;
}

/**
 * The type's own part: its port (fixed, as hoist sends it; a named or serving port takes none),
 * the proxy header, and for HTTP(S) the request path, host and expected response.
 */
function probe(type: string, body: Json): Json {
  const key = TYPES[type]!;
  const p = body[key];
  if (p === undefined) throw required(`resource.${key}`);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalid(`resource.${key}`, p, 'Expected an object.');
  const given = p as Json;
  const at = (field: string) => `resource.${key}.${field}`;
  const portSpecification = oneOf(given, 'portSpecification', PORT_SPECIFICATIONS, given.portName === undefined ? 'USE_FIXED_PORT' : 'USE_NAMED_PORT', at('portSpecification'));
  const portName = optionalString(given, 'portName', at('portName'));
  if (portSpecification === 'USE_NAMED_PORT' && portName === undefined) throw required(at('portName'));
  if (portSpecification !== 'USE_FIXED_PORT' && given.port !== undefined) throw invalid(at('port'), given.port, `A port cannot be given with portSpecification ${portSpecification}.`);
  const port = portSpecification === 'USE_FIXED_PORT' ? intIn(given, 'port', type === 'HTTPS' ? 443 : 80, 1, 65535, at('port')) : undefined;
  const common = { ...(port === undefined ? {} : { port }), ...(portName === undefined ? {} : { portName }), portSpecification, proxyHeader: oneOf(given, 'proxyHeader', PROXY_HEADERS, 'NONE', at('proxyHeader')) };
  const response = bounded(given, 'response', at('response'));
  if (type === 'TCP') return { ...common, ...(response === undefined ? {} : { response }) };
  const requestPath = bounded(given, 'requestPath', at('requestPath')) ?? '/';
  if (!requestPath.startsWith('/')) throw invalid(at('requestPath'), requestPath, "The request path must start with '/'.");
  const host = bounded(given, 'host', at('host'));
  return { ...common, requestPath, ...(host === undefined ? {} : { host }), ...(response === undefined ? {} : { response }) };
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
