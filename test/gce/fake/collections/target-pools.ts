/** `regions/R/targetPools`: the instances behind a network load balancer's forwarding rule. */

import type { Collection } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { members } from '../migs.js';
import { usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { optionalString } from '../validate.js';

const AFFINITIES = ['NONE', 'CLIENT_IP', 'CLIENT_IP_PROTO'];

export const targetPools: Collection = {
  name: 'targetPools',
  kind: 'compute#targetPool',
  scope: 'region',
  insert(_ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const affinity = body.sessionAffinity ?? 'NONE';
    if (typeof affinity !== 'string' || !AFFINITIES.includes(affinity)) throw invalid('resource.sessionAffinity', affinity, `Must be one of ${AFFINITIES.join(', ')}.`);
    if (body.healthChecks !== undefined && (body.healthChecks as unknown[]).length > 0) throw invalid('resource.healthChecks', body.healthChecks, 'Health checks are not covered by the fake.');
    return { ...(body.description === undefined ? {} : { description: body.description }), sessionAffinity: affinity };
  },
  /** Groups that name the pool put their instances in it. */
  view(ctx, path, r) {
    const groups = usersOf(ctx, path, [['instanceGroupManagers', (g) => (g.targetPools as unknown[] | undefined) ?? []]]);
    const instances = groups.flatMap((g) => members(ctx.state, g)).map((p) => (ctx.state.resources.get(p) as Json).selfLink);
    return { ...r, ...(instances.length > 0 ? { instances } : {}) };
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['forwardingRules', (f) => [f.target]], ['instanceGroupManagers', (g) => (g.targetPools as unknown[] | undefined) ?? []]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
