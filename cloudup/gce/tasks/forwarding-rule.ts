/**
 * ForwardingRule: the API's external TCP entry, from the reserved address to the control
 * plane's target pool. The target changes with setTarget, labels with setLabels; the rest
 * means a new rule.
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
  /** `6443-6443` */
  readonly portRange: string;
  /** The target pool's link. */
  readonly target: string;
  readonly loadBalancingScheme: string;
  readonly networkTier: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const forwardingRuleTask = taskConstructor<ForwardingRuleFields>('ForwardingRule');

export const forwardingRuleKind = gceKind<ForwardingRule, ForwardingRuleFields>({
  kind: 'ForwardingRule',
  uses: ['Address', 'TargetPool'],
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
    portRange: r.portRange ?? '',
    target: relativeLink(r.target),
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
          portRange: d.portRange,
          target: d.target,
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
  immutable: ['region', 'IPAddress', 'IPProtocol', 'portRange', 'loadBalancingScheme', 'networkTier'],
  async update(ctx, live, d, changes) {
    const c = ctx.compute.clients.forwardingRules;
    const at = { project: ctx.project, region: live.fields.region, forwardingRule: live.name };
    const fields = touched(changes);
    if (fields.has('target')) {
      await ctx.compute.mutate(`set the target of ${live.name}`, (requestId) => c.setTarget({ ...at, requestId, targetReferenceResource: { target: d.target } }));
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
