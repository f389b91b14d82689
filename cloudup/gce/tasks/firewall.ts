/**
 * Firewall: an ingress rule of the cluster's network, aimed at instances by network tags.
 * Desired: `network` (link), `direction`, `priority`, `allowed` ([{ IPProtocol, ports }]),
 * `sourceRanges`, `sourceTags`, `targetTags` (sorted). Changes are made with a full update
 * (PUT), since a patch cannot empty a list; network and direction cannot change.
 */

import type { protos } from '@google-cloud/compute';
import type { ResolvedFields } from '../../../src/engine/task.js';
import type { GceContext } from '../context.js';
import { descriptionFilter } from '../labels.js';
import { relativeLink } from '../links.js';
import { gceKind, str } from './gce-kind.js';

type Firewall = protos.google.cloud.compute.v1.IFirewall;

const sorted = (xs: readonly string[] | null | undefined): string[] => [...(xs ?? [])].sort();
const strings = (d: ResolvedFields, key: string): string[] => [...((d[key] as readonly string[] | undefined) ?? [])];

function resource(ctx: GceContext, name: string, d: ResolvedFields): Firewall {
  return {
    name,
    description: ctx.description,
    network: str(d, 'network'),
    direction: str(d, 'direction'),
    priority: d.priority as number,
    allowed: ((d.allowed as readonly { IPProtocol: string; ports: readonly string[] }[] | undefined) ?? []).map((a) => ({ IPProtocol: a.IPProtocol, ports: [...a.ports] })),
    sourceRanges: strings(d, 'sourceRanges'),
    sourceTags: strings(d, 'sourceTags'),
    targetTags: strings(d, 'targetTags'),
  };
}

export const firewallKind = gceKind<Firewall>({
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
