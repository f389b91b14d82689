/**
 * `regions/R/backendServices` (the API's regionBackendServices), as an internal passthrough load
 * balancer has them: `loadBalancingScheme: INTERNAL`, TCP, one regional health check, and
 * managed instance groups (zonal or regional) as backends, by their instance groups' links. A
 * forwarding rule that names the service keeps it from being deleted.
 */

import type { Collection, Ctx } from '../collection.js';
import { ApiError, inUse, invalid, required } from '../errors.js';
import { link, resolveRef } from '../links.js';
import { existingLink, usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { optionalString } from '../validate.js';

const AFFINITIES = ['NONE', 'CLIENT_IP', 'CLIENT_IP_PROTO', 'CLIENT_IP_PORT_PROTO'];

/** One regional health check of the service's region. */
function checks(ctx: Ctx, value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw required(field);
  if (value.length > 1) throw invalid(field, value, 'A backend service has at most one health check.');
  const url = existingLink(ctx, value[0], `${field}[0]`, 'healthChecks');
  if (!url.includes(`/regions/${ctx.scope.name}/`)) throw invalid(`${field}[0]`, value[0], `An INTERNAL backend service takes a health check of its region ${ctx.scope.name}.`);
  return [url];
}

/** Each backend names the instance group of an existing managed group, at most once, with CONNECTION balancing. */
function backends(ctx: Ctx, value: unknown): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('resource.backends', value, 'Expected a list.');
  const seen = new Set<string>();
  return value.map((b: Json, i) => {
    const field = `resource.backends[${i}].group`;
    const path = resolveRef(ctx.project, b.group, field);
    if (!path.includes('/instanceGroups/')) throw invalid(field, b.group, 'Expected a reference to instanceGroups.');
    ctx.state.mustGet(path.replace('/instanceGroups/', '/instanceGroupManagers/'));
    if (seen.has(path)) throw invalid(field, b.group, 'Duplicate backend group.');
    seen.add(path);
    const mode = b.balancingMode ?? 'CONNECTION';
    if (mode !== 'CONNECTION') throw invalid(`resource.backends[${i}].balancingMode`, mode, 'An INTERNAL backend service balances by CONNECTION.');
    return { group: link(path), balancingMode: mode };
  });
}

function service(ctx: Ctx, body: Json): Json {
  optionalString(body, 'description', 'resource.description');
  const scheme = body.loadBalancingScheme ?? 'INTERNAL';
  if (scheme !== 'INTERNAL') throw invalid('resource.loadBalancingScheme', scheme, 'Only INTERNAL backend services are covered by the fake.');
  const protocol = body.protocol ?? 'TCP';
  if (protocol !== 'TCP' && protocol !== 'UDP') throw invalid('resource.protocol', protocol, 'An INTERNAL backend service is TCP or UDP.');
  const affinity = body.sessionAffinity ?? 'NONE';
  if (typeof affinity !== 'string' || !AFFINITIES.includes(affinity)) throw invalid('resource.sessionAffinity', affinity, `Must be one of ${AFFINITIES.join(', ')}.`);
  return {
    ...(body.description === undefined ? {} : { description: body.description }),
    loadBalancingScheme: scheme,
    protocol,
    sessionAffinity: affinity,
    healthChecks: checks(ctx, body.healthChecks, 'resource.healthChecks'),
    backends: backends(ctx, body.backends),
    ...(body.network === undefined ? {} : { network: existingLink(ctx, body.network, 'resource.network', 'networks') }),
    fingerprint: Buffer.from(ctx.state.newId()).toString('base64'),
  };
}

const KEEP = ['kind', 'id', 'name', 'creationTimestamp', 'selfLink', 'region'];

export const backendServices: Collection = {
  name: 'backendServices',
  kind: 'compute#backendService',
  scope: 'region',
  insert: (ctx, body) => service(ctx, body),
  update(ctx, _path, r, body) {
    if (body.name !== undefined && body.name !== r.name) throw invalid('resource.name', body.name, 'The name cannot change.');
    if (body.fingerprint !== undefined && body.fingerprint !== r.fingerprint) throw new ApiError(412, 'conditionNotMet', 'Supplied fingerprint does not match current fingerprint.');
    if (body.loadBalancingScheme !== undefined && body.loadBalancingScheme !== r.loadBalancingScheme) throw invalid('resource.loadBalancingScheme', body.loadBalancingScheme, 'The scheme cannot change.');
    return { ...Object.fromEntries(KEEP.map((k) => [k, r[k]])), ...service(ctx, body) };
  },
  patch(ctx, path, r, body) {
    return backendServices.update!(ctx, path, r, { ...r, ...body });
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['forwardingRules', (f) => [f.backendService]]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
