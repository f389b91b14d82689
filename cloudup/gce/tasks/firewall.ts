/**
 * Firewall: an ingress rule of the cluster's network, aimed at instances by network tags.
 * Changes are made with a full update (PUT), since a patch cannot empty a list; network and
 * direction cannot change.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import type { GceContext } from '../context.js';
import { descriptionFilter } from '../labels.js';
import { relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';

type Firewall = protos.google.cloud.compute.v1.IFirewall;

export interface FirewallAllowed {
  /** tcp, udp, icmp, all, … */
  readonly IPProtocol: string;
  readonly ports: readonly string[];
}

/** The lists are sorted, as `fields` reads them back. */
export interface FirewallFields {
  /** The network's link. */
  readonly network: string;
  /** INGRESS or EGRESS. */
  readonly direction: string;
  readonly priority: number;
  readonly allowed: readonly FirewallAllowed[];
  readonly sourceRanges: readonly string[];
  readonly sourceTags: readonly string[];
  readonly targetTags: readonly string[];
}

export const firewallTask = taskConstructor<FirewallFields>('Firewall');

const sorted = (xs: readonly string[] | null | undefined): string[] => [...(xs ?? [])].sort();

function resource(ctx: GceContext, name: string, d: FirewallFields): Firewall {
  return {
    name,
    description: ctx.description,
    network: d.network,
    direction: d.direction,
    priority: d.priority,
    allowed: d.allowed.map((a) => ({ IPProtocol: a.IPProtocol, ports: [...a.ports] })),
    sourceRanges: [...d.sourceRanges],
    sourceTags: [...d.sourceTags],
    targetTags: [...d.targetTags],
  };
}

export const firewallKind = gceKind<Firewall, FirewallFields>({
  kind: 'Firewall',
  uses: ['Network'],
  list: (ctx) =>
    ctx.compute.list('list firewalls', (pageToken) =>
      ctx.compute.clients.firewalls.list({ project: ctx.project, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false }),
    ),
  read: (ctx, name) => ctx.compute.get(`get firewall ${name}`, () => ctx.compute.clients.firewalls.get({ project: ctx.project, firewall: name })),
  fields: (f) => ({
    network: relativeLink(f.network),
    direction: f.direction ?? 'INGRESS',
    priority: f.priority ?? 1000,
    allowed: (f.allowed ?? []).map((a) => ({ IPProtocol: a.IPProtocol ?? '', ports: [...(a.ports ?? [])] })),
    sourceRanges: sorted(f.sourceRanges),
    sourceTags: sorted(f.sourceTags),
    targetTags: sorted(f.targetTags),
  }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert firewall ${name}`, (requestId) =>
      ctx.compute.clients.firewalls.insert({ project: ctx.project, requestId, firewallResource: resource(ctx, name, d) }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete firewall ${live.name}`, (requestId) => ctx.compute.clients.firewalls.delete({ project: ctx.project, firewall: live.name, requestId }));
  },
  immutable: ['network', 'direction'],
  async update(ctx, live, d) {
    await ctx.compute.mutate(`update firewall ${live.name}`, (requestId) =>
      ctx.compute.clients.firewalls.update({ project: ctx.project, firewall: live.name, requestId, firewallResource: resource(ctx, live.name, d) }),
    );
  },
});
