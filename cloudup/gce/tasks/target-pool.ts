/**
 * TargetPool: the control-plane instances behind the API's forwarding rule (their groups add
 * them), with the legacy HTTP health check that tells GCE which of them to send connections to.
 * The health check is swapped in place (addHealthCheck / removeHealthCheck); the rest is fixed.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';

type TargetPool = protos.google.cloud.compute.v1.ITargetPool;

export interface TargetPoolFields {
  readonly region: string;
  /** NONE, CLIENT_IP, … */
  readonly sessionAffinity: string;
  /** Links of legacy HTTP health checks: GCE takes at most one. */
  readonly healthChecks: readonly string[];
}

export const targetPoolTask = taskConstructor<TargetPoolFields>('TargetPool');

export const targetPoolKind = gceKind<TargetPool, TargetPoolFields>({
  kind: 'TargetPool',
  uses: ['HttpHealthCheck'],
  list: (ctx) =>
    ctx.compute.list('list target pools', (pageToken) =>
      ctx.compute.clients.targetPools.list(
        { project: ctx.project, region: ctx.region, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      ),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get target pool ${name}`, () => ctx.compute.clients.targetPools.get({ project: ctx.project, region: f.region || ctx.region, targetPool: name })),
  fields: (t) => ({
    region: lastSegment(t.region ?? ''),
    sessionAffinity: t.sessionAffinity ?? 'NONE',
    healthChecks: (t.healthChecks ?? []).map((h) => relativeLink(h)),
  }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert target pool ${name}`, (requestId) =>
      ctx.compute.clients.targetPools.insert({
        project: ctx.project,
        region: d.region,
        requestId,
        targetPoolResource: { name, description: ctx.description, sessionAffinity: d.sessionAffinity, healthChecks: [...d.healthChecks] },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete target pool ${live.name}`, (requestId) =>
      ctx.compute.clients.targetPools.delete({ project: ctx.project, region: live.fields.region, targetPool: live.name, requestId }),
    );
  },
  immutable: ['region', 'sessionAffinity'],
  async update(ctx, live, d) {
    const at = { project: ctx.project, region: live.fields.region, targetPool: live.name };
    const gone = live.fields.healthChecks.filter((h) => !d.healthChecks.includes(h));
    const added = d.healthChecks.filter((h) => !live.fields.healthChecks.includes(h));
    // Removed first: a pool holds one health check at a time.
    if (gone.length > 0) {
      await ctx.compute.mutate(`remove health check from target pool ${live.name}`, (requestId) =>
        ctx.compute.clients.targetPools.removeHealthCheck({ ...at, requestId, targetPoolsRemoveHealthCheckRequestResource: { healthChecks: gone.map((healthCheck) => ({ healthCheck })) } }),
      );
    }
    if (added.length > 0) {
      await ctx.compute.mutate(`add health check to target pool ${live.name}`, (requestId) =>
        ctx.compute.clients.targetPools.addHealthCheck({ ...at, requestId, targetPoolsAddHealthCheckRequestResource: { healthChecks: added.map((healthCheck) => ({ healthCheck })) } }),
      );
    }
  },
});
