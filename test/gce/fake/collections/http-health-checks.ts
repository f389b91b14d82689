/**
 * `global/httpHealthChecks`: legacy HTTP health checks, the only ones a target pool takes. The
 * fake keeps them and who uses them; it runs no probes.
 */

import type { Collection } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { int64, optionalString } from '../validate.js';

function intIn(body: Json, key: string, fallback: number, min: number, max: number): number {
  const v = int64(body[key], `resource.${key}`) ?? fallback;
  if (v < min || v > max) throw invalid(`resource.${key}`, body[key], `Must be between ${min} and ${max}.`);
  return v;
}

function healthCheck(body: Json): Json {
  optionalString(body, 'description', 'resource.description');
  const requestPath = optionalString(body, 'requestPath', 'resource.requestPath') ?? '/';
  if (!requestPath.startsWith('/')) throw invalid('resource.requestPath', requestPath, "The request path must start with '/'.");
  const checkIntervalSec = intIn(body, 'checkIntervalSec', 5, 1, 300);
  const timeoutSec = intIn(body, 'timeoutSec', 5, 1, 300);
  if (timeoutSec > checkIntervalSec) throw invalid('resource.timeoutSec', timeoutSec, 'timeoutSec must be less than or equal to checkIntervalSec.');
  return {
    ...(body.description === undefined ? {} : { description: body.description }),
    ...(typeof body.host === 'string' ? { host: body.host } : {}),
    port: intIn(body, 'port', 80, 1, 65535),
    requestPath,
    checkIntervalSec,
    timeoutSec,
    healthyThreshold: intIn(body, 'healthyThreshold', 2, 1, 10),
    unhealthyThreshold: intIn(body, 'unhealthyThreshold', 2, 1, 10),
  };
}

const KEEP = ['kind', 'id', 'name', 'creationTimestamp', 'selfLink'];

export const httpHealthChecks: Collection = {
  name: 'httpHealthChecks',
  kind: 'compute#httpHealthCheck',
  scope: 'global',
  insert: (_ctx, body) => healthCheck(body),
  update(_ctx, _path, r, body) {
    if (body.name !== undefined && body.name !== r.name) throw invalid('resource.name', body.name, 'The name cannot change.');
    return { ...Object.fromEntries(KEEP.map((k) => [k, r[k]])), ...healthCheck(body) };
  },
  patch(ctx, path, r, body) {
    return httpHealthChecks.update!(ctx, path, r, { ...r, ...body });
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['targetPools', (p) => (p.healthChecks as unknown[] | undefined) ?? []]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
