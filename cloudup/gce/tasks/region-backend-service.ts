/**
 * RegionBackendService: the internal API load balancer's backends (`loadBalancingScheme:
 * INTERNAL`, TCP): the control plane's managed instance groups, by their instance groups, and
 * the regional health check that tells GCE which of their instances get connections. Backends,
 * health check and session affinity change in place (a patch with the service's fingerprint);
 * the scheme, protocol and network mean a new service.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';

type BackendService = protos.google.cloud.compute.v1.IBackendService;

export interface RegionBackendServiceFields {
  readonly region: string;
  /** INTERNAL: an internal passthrough load balancer. */
  readonly loadBalancingScheme: string;
  readonly protocol: string;
  /** NONE, CLIENT_IP, … */
  readonly sessionAffinity: string;
  /** The network of its forwarding rules. */
  readonly network: string;
  /** Links of regional health checks: GCE takes one. */
  readonly healthChecks: readonly string[];
  /** Links of the backends' instance groups (zonal or regional), sorted. */
  readonly backends: readonly string[];
}

export const regionBackendServiceTask = taskConstructor<RegionBackendServiceFields>('RegionBackendService');

/** Connections are balanced over instances, the only mode an internal passthrough load balancer has. */
const backendsOf = (groups: readonly string[]) => groups.map((group) => ({ group, balancingMode: 'CONNECTION' }));

export const regionBackendServiceKind = gceKind<BackendService, RegionBackendServiceFields>({
  kind: 'RegionBackendService',
  uses: ['RegionHealthCheck', 'InstanceGroupManager', 'Network'],
  list: (ctx) =>
    ctx.compute.list('list regional backend services', (pageToken) =>
      ctx.compute.clients.regionBackendServices.list(
        { project: ctx.project, region: ctx.region, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      ),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get regional backend service ${name}`, () =>
      ctx.compute.clients.regionBackendServices.get({ project: ctx.project, region: f.region || ctx.region, backendService: name }),
    ),
  fields: (b) => ({
    region: lastSegment(b.region ?? ''),
    loadBalancingScheme: b.loadBalancingScheme ?? '',
    protocol: b.protocol ?? '',
    sessionAffinity: b.sessionAffinity ?? 'NONE',
    network: relativeLink(b.network),
    healthChecks: (b.healthChecks ?? []).map(relativeLink),
    backends: (b.backends ?? []).map((x) => relativeLink(x.group)).sort(),
  }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert regional backend service ${name}`, (requestId) =>
      ctx.compute.clients.regionBackendServices.insert({
        project: ctx.project,
        region: d.region,
        requestId,
        backendServiceResource: {
          name,
          description: ctx.description,
          loadBalancingScheme: d.loadBalancingScheme,
          protocol: d.protocol,
          sessionAffinity: d.sessionAffinity,
          network: d.network,
          healthChecks: [...d.healthChecks],
          backends: backendsOf(d.backends),
        },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete regional backend service ${live.name}`, (requestId) =>
      ctx.compute.clients.regionBackendServices.delete({ project: ctx.project, region: live.fields.region, backendService: live.name, requestId }),
    );
  },
  immutable: ['region', 'loadBalancingScheme', 'protocol', 'network'],
  async update(ctx, live, d) {
    const c = ctx.compute.clients.regionBackendServices;
    const on = { project: ctx.project, region: live.fields.region, backendService: live.name };
    // The fingerprint makes a patch that crossed another change fail rather than undo it.
    const current = await ctx.compute.get(`get regional backend service ${live.name}`, () => c.get(on));
    await ctx.compute.mutate(`change regional backend service ${live.name}`, (requestId) =>
      c.patch({
        ...on,
        requestId,
        backendServiceResource: {
          sessionAffinity: d.sessionAffinity,
          healthChecks: [...d.healthChecks],
          backends: backendsOf(d.backends),
          fingerprint: current?.fingerprint ?? null,
        },
      }),
    );
  },
});
