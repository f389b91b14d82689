/**
 * RegionHealthCheck: a regional health check (TCP, HTTP or HTTPS), the kind a regional backend
 * service takes: the internal API load balancer's. Every field but the region changes in place
 * (a patch of the whole check).
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { lastSegment } from '../links.js';
import { gceKind } from './gce-kind.js';

type HealthCheck = protos.google.cloud.compute.v1.IHealthCheck;

export interface RegionHealthCheckFields {
  readonly region: string;
  readonly type: 'TCP' | 'HTTP' | 'HTTPS';
  readonly port: number;
  /** HTTP and HTTPS only. */
  readonly requestPath?: string;
  readonly checkIntervalSec: number;
  readonly timeoutSec: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export const regionHealthCheckTask = taskConstructor<RegionHealthCheckFields>('RegionHealthCheck');

const TYPES = ['TCP', 'HTTP', 'HTTPS'] as const;

function resource(name: string, description: string, d: RegionHealthCheckFields): HealthCheck {
  const http = { port: d.port, requestPath: d.requestPath ?? '/' };
  return {
    name,
    description,
    type: d.type,
    ...(d.type === 'TCP' ? { tcpHealthCheck: { port: d.port } } : d.type === 'HTTP' ? { httpHealthCheck: http } : { httpsHealthCheck: http }),
    checkIntervalSec: d.checkIntervalSec,
    timeoutSec: d.timeoutSec,
    healthyThreshold: d.healthyThreshold,
    unhealthyThreshold: d.unhealthyThreshold,
  };
}

export const regionHealthCheckKind = gceKind<HealthCheck, RegionHealthCheckFields>({
  kind: 'RegionHealthCheck',
  uses: [],
  list: (ctx) =>
    ctx.compute.list('list regional health checks', (pageToken) =>
      ctx.compute.clients.regionHealthChecks.list(
        { project: ctx.project, region: ctx.region, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      ),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get regional health check ${name}`, () => ctx.compute.clients.regionHealthChecks.get({ project: ctx.project, region: f.region || ctx.region, healthCheck: name })),
  // The API's defaults, for a check made without them.
  fields: (h) => {
    const type = TYPES.find((t) => t === h.type) ?? 'TCP';
    const probe = type === 'TCP' ? h.tcpHealthCheck : type === 'HTTP' ? h.httpHealthCheck : h.httpsHealthCheck;
    const requestPath = type === 'TCP' ? undefined : ((probe as { requestPath?: string | null } | null | undefined)?.requestPath ?? '/');
    return {
      region: lastSegment(h.region ?? ''),
      type,
      port: Number(probe?.port ?? (type === 'HTTPS' ? 443 : 80)),
      ...(requestPath === undefined ? {} : { requestPath }),
      checkIntervalSec: h.checkIntervalSec ?? 5,
      timeoutSec: h.timeoutSec ?? 5,
      healthyThreshold: h.healthyThreshold ?? 2,
      unhealthyThreshold: h.unhealthyThreshold ?? 2,
    };
  },
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert regional health check ${name}`, (requestId) =>
      ctx.compute.clients.regionHealthChecks.insert({ project: ctx.project, region: d.region, requestId, healthCheckResource: resource(name, ctx.description, d) }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete regional health check ${live.name}`, (requestId) =>
      ctx.compute.clients.regionHealthChecks.delete({ project: ctx.project, region: live.fields.region, healthCheck: live.name, requestId }),
    );
  },
  immutable: ['region'],
  async update(ctx, live, d) {
    await ctx.compute.mutate(`change regional health check ${live.name}`, (requestId) =>
      ctx.compute.clients.regionHealthChecks.patch({
        project: ctx.project,
        region: live.fields.region,
        healthCheck: live.name,
        requestId,
        healthCheckResource: resource(live.name, ctx.description, d),
      }),
    );
  },
});
