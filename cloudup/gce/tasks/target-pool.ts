/**
 * TargetPool: the control-plane instances behind the API's forwarding rule (their groups add
 * them). It has no health check: see docs/gce.md.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { lastSegment } from '../links.js';
import { gceKind } from './gce-kind.js';

type TargetPool = protos.google.cloud.compute.v1.ITargetPool;

export interface TargetPoolFields {
  readonly region: string;
  /** NONE, CLIENT_IP, … */
  readonly sessionAffinity: string;
}

export const targetPoolTask = taskConstructor<TargetPoolFields>('TargetPool');

export const targetPoolKind = gceKind<TargetPool, TargetPoolFields>({
  kind: 'TargetPool',
  uses: [],
  list: (ctx) =>
    ctx.compute.list('list target pools', (pageToken) =>
      ctx.compute.clients.targetPools.list(
        { project: ctx.project, region: ctx.region, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      ),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get target pool ${name}`, () => ctx.compute.clients.targetPools.get({ project: ctx.project, region: f.region || ctx.region, targetPool: name })),
  fields: (t) => ({ region: lastSegment(t.region ?? ''), sessionAffinity: t.sessionAffinity ?? 'NONE' }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert target pool ${name}`, (requestId) =>
      ctx.compute.clients.targetPools.insert({
        project: ctx.project,
        region: d.region,
        requestId,
        targetPoolResource: { name, description: ctx.description, sessionAffinity: d.sessionAffinity },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete target pool ${live.name}`, (requestId) =>
      ctx.compute.clients.targetPools.delete({ project: ctx.project, region: live.fields.region, targetPool: live.name, requestId }),
    );
  },
  immutable: 'all',
});
