/**
 * HostedZone: the Route 53 zone of `dnsZone`, which hoist uses but never makes nor deletes
 * (lifecycle ExistsAndValidates, named as the spec names it). Outputs: `id` (without the
 * `/hostedzone/` prefix), `arn`.
 */

import { partitionOf } from '../model/iam-policies.js';
import { listDns } from '../listings/services.js';
import { awsKind } from './kind.js';

export const hostedZoneKind = awsKind({
  kind: 'HostedZone',
  uses: [],
  immutable: [],
  async list(ctx) {
    const { zone } = await listDns(ctx);
    if (!zone || !ctx.dns) return [];
    const id = (zone.Id ?? '').replace(/^\/hostedzone\//, '');
    return [{ id, name: ctx.dns.zone, fields: { private: zone.Config?.PrivateZone ?? false }, outputs: { id, arn: `arn:${partitionOf(ctx.region)}:route53:::hostedzone/${id}` }, shared: true }];
  },
  create() {
    return Promise.reject(new Error('hoist does not create hosted zones: create the zone of dnsZone first'));
  },
  delete() {
    return Promise.resolve();
  },
});
