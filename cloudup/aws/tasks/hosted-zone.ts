/**
 * HostedZone: the Route 53 zone of `dnsZone`, which hoist uses but never makes nor deletes
 * (lifecycle ExistsAndValidates, named as the spec names it). Outputs: `id` (without the
 * `/hostedzone/` prefix), `arn`.
 */

import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import { partitionOf } from '../model/iam-policies.js';
import { listDns } from '../listings/services.js';
import { awsKind } from './kind.js';

/** Nothing is desired of the zone: it only has to exist. */
export type HostedZoneFields = Readonly<Record<string, never>>;

export const hostedZoneTask = taskConstructor<HostedZoneFields>('HostedZone');

export const hostedZoneKind = awsKind<HostedZoneFields>({
  kind: 'HostedZone',
  uses: [],
  immutable: [],
  async list(ctx) {
    const { zone } = await listDns(ctx);
    if (!zone || !ctx.dns) return [];
    const id = (zone.Id ?? '').replace(/^\/hostedzone\//, '');
    return [{ id, name: ctx.dns.zone, fields: { private: zone.Config?.PrivateZone ?? false }, outputs: { id, arn: `arn:${partitionOf(ctx.region)}:route53:::hostedzone/${id}` }, shared: true }];
  },
  create(_ctx, task) {
    return Promise.reject(new HoistError('NOT_FOUND', `the Route 53 hosted zone ${task.name} (spec.dnsZone) does not exist; hoist does not create hosted zones`, { path: 'spec.dnsZone', hint: 'create the zone first, or remove dnsZone' }));
  },
  delete() {
    return Promise.resolve();
  },
});
