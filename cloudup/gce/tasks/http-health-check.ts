/**
 * HttpHealthCheck: a legacy HTTP health check (global), the only kind a target pool takes, so
 * GCE sends the API's connections only to control-plane machines that answer it. Every field
 * changes in place (httpHealthChecks.patch).
 */

import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { isNotFound } from '../errors.js';
import { restGet, restList, restMutate } from './compute-rest.js';
import { gceKind } from './gce-kind.js';

/** The REST shape of a legacy HTTP health check, the parts hoist reads. */
interface HttpHealthCheck {
  readonly id?: string;
  readonly name?: string;
  readonly selfLink?: string;
  readonly description?: string;
  readonly port?: number;
  readonly requestPath?: string;
  readonly checkIntervalSec?: number;
  readonly timeoutSec?: number;
  readonly healthyThreshold?: number;
  readonly unhealthyThreshold?: number;
}

export interface HttpHealthCheckFields {
  readonly port: number;
  readonly requestPath: string;
  readonly checkIntervalSec: number;
  readonly timeoutSec: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export const httpHealthCheckTask = taskConstructor<HttpHealthCheckFields>('HttpHealthCheck');

const path = (name?: string) => `global/httpHealthChecks${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

export const httpHealthCheckKind = gceKind<HttpHealthCheck, HttpHealthCheckFields>({
  kind: 'HttpHealthCheck',
  uses: [],
  list: (ctx) => restList<HttpHealthCheck>(ctx, 'list HTTP health checks', `${path()}?filter=${encodeURIComponent(descriptionFilter(ctx.cluster))}`),
  async read(ctx, name) {
    try {
      return await restGet<HttpHealthCheck>(ctx, `get HTTP health check ${name}`, path(name));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  },
  // The API's defaults, for a check made without them.
  fields: (h) => ({
    port: h.port ?? 80,
    requestPath: h.requestPath ?? '/',
    checkIntervalSec: h.checkIntervalSec ?? 5,
    timeoutSec: h.timeoutSec ?? 5,
    healthyThreshold: h.healthyThreshold ?? 2,
    unhealthyThreshold: h.unhealthyThreshold ?? 2,
  }),
  async insert(ctx, name, d) {
    await restMutate(ctx, `insert HTTP health check ${name}`, 'POST', path(), { name, description: ctx.description, ...d });
  },
  async remove(ctx, live) {
    await restMutate(ctx, `delete HTTP health check ${live.name}`, 'DELETE', path(live.name));
  },
  immutable: [],
  async update(ctx, live, d) {
    await restMutate(ctx, `change HTTP health check ${live.name}`, 'PATCH', path(live.name), { ...d });
  },
});
