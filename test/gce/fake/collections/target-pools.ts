/** `regions/R/targetPools`: the instances behind a network load balancer's forwarding rule. */

import type { Collection, Ctx } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { members } from '../migs.js';
import { existingLink, usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { optionalString } from '../validate.js';

const AFFINITIES = ['NONE', 'CLIENT_IP', 'CLIENT_IP_PROTO'];

/** Links of existing legacy HTTP health checks: a pool takes at most one, and no other kind. */
function checks(ctx: Ctx, value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(field, value, 'Expected a list.');
  if (value.length > 1) throw invalid(field, value, 'A target pool has at most one health check.');
  return value.map((h, i) => existingLink(ctx, h, `${field}[${i}]`, 'httpHealthChecks'));
}

export const targetPools: Collection = {
  name: 'targetPools',
  kind: 'compute#targetPool',
  scope: 'region',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const affinity = body.sessionAffinity ?? 'NONE';
    if (typeof affinity !== 'string' || !AFFINITIES.includes(affinity)) throw invalid('resource.sessionAffinity', affinity, `Must be one of ${AFFINITIES.join(', ')}.`);
    const healthChecks = checks(ctx, body.healthChecks, 'resource.healthChecks');
    return { ...(body.description === undefined ? {} : { description: body.description }), sessionAffinity: affinity, ...(healthChecks.length > 0 ? { healthChecks } : {}) };
  },
  /** Groups that name the pool put their instances in it. */
  view(ctx, path, r) {
    const groups = usersOf(ctx, path, [['instanceGroupManagers', (g) => (g.targetPools as unknown[] | undefined) ?? []]]);
    const instances = groups.flatMap((g) => members(ctx.state, g)).map((p) => (ctx.state.resources.get(p) as Json).selfLink);
    return { ...r, ...(instances.length > 0 ? { instances } : {}) };
  },
  methods: {
    addHealthCheck(ctx, _path, r, body) {
      const added = checks(ctx, ((body.healthChecks as Json[] | undefined) ?? []).map((h) => h.healthCheck), 'healthChecks');
      const all = [...((r.healthChecks as string[] | undefined) ?? []), ...added.filter((h) => !((r.healthChecks as string[] | undefined) ?? []).includes(h))];
      if (all.length > 1) throw invalid('healthChecks', all, 'A target pool has at most one health check.');
      r.healthChecks = all;
      return { operation: 'addHealthCheck' };
    },
    removeHealthCheck(ctx, _path, r, body) {
      const gone = ((body.healthChecks as Json[] | undefined) ?? []).map((h, i) => existingLink(ctx, h.healthCheck, `healthChecks[${i}].healthCheck`, 'httpHealthChecks'));
      const left = ((r.healthChecks as string[] | undefined) ?? []).filter((h) => !gone.includes(h));
      if (left.length > 0) r.healthChecks = left;
      else delete r.healthChecks;
      return { operation: 'removeHealthCheck' };
    },
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['forwardingRules', (f) => [f.target]], ['instanceGroupManagers', (g) => (g.targetPools as unknown[] | undefined) ?? []]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
