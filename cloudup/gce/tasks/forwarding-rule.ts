/**
 * ForwardingRule: the API's TCP entry. External: from the reserved external address to the
 * control plane's target pool (a port range). Internal: from a reserved internal address of the
 * cluster's subnetwork to a regional backend service (ports, network and subnetwork), as kops
 * makes an internal API load balancer. The target changes with setTarget, labels with setLabels;
 * the rest means a new rule.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { labelFilter } from '../labels.js';
import { lastSegment, relativeLink } from '../links.js';
import { gceKind, touched } from './gce-kind.js';
import { setLabels } from './set-labels.js';

type ForwardingRule = protos.google.cloud.compute.v1.IForwardingRule;

export interface ForwardingRuleFields {
  readonly region: string;
  /** The reserved address. */
  readonly IPAddress: string;
  readonly IPProtocol: string;
  /** `6443-6443`: an external rule's. */
  readonly portRange?: string;
  /** `['6443']`: an internal rule's. */
  readonly ports?: readonly string[];
  /** The target pool's link: an external rule's. */
  readonly target?: string;
  /** The regional backend service's link: an internal rule's. */
  readonly backendService?: string;
  /** An internal rule's network and subnetwork (links). */
  readonly network?: string;
  readonly subnetwork?: string;
  /** EXTERNAL or INTERNAL. */
  readonly loadBalancingScheme: string;
  readonly networkTier: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const forwardingRuleTask = taskConstructor<ForwardingRuleFields>('ForwardingRule');

export const forwardingRuleKind = gceKind<ForwardingRule, ForwardingRuleFields>({
  kind: 'ForwardingRule',
  uses: ['Address', 'TargetPool', 'RegionBackendService', 'Subnetwork', 'Network'],
  list: (ctx) =>
    ctx.compute.list('list forwarding rules', (pageToken) =>
      ctx.compute.clients.forwardingRules.list(
        { project: ctx.project, region: ctx.region, filter: labelFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      ),
    ),
  read: (ctx, name, f) =>
    ctx.compute.get(`get forwarding rule ${name}`, () =>
      ctx.compute.clients.forwardingRules.get({ project: ctx.project, region: f.region || ctx.region, forwardingRule: name }),
    ),
  fields: (r) => ({
    region: lastSegment(r.region ?? ''),
    IPAddress: r.IPAddress ?? '',
    IPProtocol: r.IPProtocol ?? '',
    ...(r.portRange ? { portRange: r.portRange } : {}),
    ...(r.ports && r.ports.length > 0 ? { ports: [...r.ports] } : {}),
    ...(r.target ? { target: relativeLink(r.target) } : {}),
    ...(r.backendService ? { backendService: relativeLink(r.backendService) } : {}),
    ...(r.network ? { network: relativeLink(r.network) } : {}),
    ...(r.subnetwork ? { subnetwork: relativeLink(r.subnetwork) } : {}),
    loadBalancingScheme: r.loadBalancingScheme ?? '',
    networkTier: r.networkTier ?? '',
    labels: { ...r.labels },
  }),
  outputs: (r) => ({ address: r.IPAddress ?? '' }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert forwarding rule ${name}`, (requestId) =>
      ctx.compute.clients.forwardingRules.insert({
        project: ctx.project,
        region: d.region,
        requestId,
        forwardingRuleResource: {
          name,
          description: ctx.description,
          IPAddress: d.IPAddress,
          IPProtocol: d.IPProtocol,
          ...(d.portRange === undefined ? {} : { portRange: d.portRange }),
          ...(d.ports === undefined ? {} : { ports: [...d.ports] }),
          ...(d.target === undefined ? {} : { target: d.target }),
          ...(d.backendService === undefined ? {} : { backendService: d.backendService }),
          ...(d.network === undefined ? {} : { network: d.network }),
          ...(d.subnetwork === undefined ? {} : { subnetwork: d.subnetwork }),
          loadBalancingScheme: d.loadBalancingScheme,
          networkTier: d.networkTier,
          labels: { ...d.labels },
        },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete forwarding rule ${live.name}`, (requestId) =>
      ctx.compute.clients.forwardingRules.delete({ project: ctx.project, region: live.fields.region, forwardingRule: live.name, requestId }),
    );
  },
  immutable: ['region', 'IPAddress', 'IPProtocol', 'portRange', 'ports', 'backendService', 'network', 'subnetwork', 'loadBalancingScheme', 'networkTier'],
  async update(ctx, live, d, changes) {
    const c = ctx.compute.clients.forwardingRules;
    const at = { project: ctx.project, region: live.fields.region, forwardingRule: live.name };
    const fields = touched(changes);
    if (fields.has('target') && d.target !== undefined) {
      await ctx.compute.mutate(`set the target of ${live.name}`, (requestId) => c.setTarget({ ...at, requestId, targetReferenceResource: { target: d.target ?? null } }));
    }
    if (fields.has('labels')) {
      await setLabels(
        ctx.compute,
        `forwarding rule ${live.name}`,
        () => ctx.compute.get(`get forwarding rule ${live.name}`, () => c.get(at)),
        (labels, labelFingerprint, requestId) =>
          c.setLabels({ project: at.project, region: at.region, resource: live.name, requestId, regionSetLabelsRequestResource: { labels, labelFingerprint } }),
        d.labels,
      );
    }
  },
});
