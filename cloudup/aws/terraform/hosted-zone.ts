/**
 * HostedZone → `data.aws_route53_zone`: hoist uses the zone of dnsZone but never makes nor
 * deletes it. A zone given (or found) by its id is read by `zone_id`, which also tells a private
 * zone from a public one of the same name; one given by name is read as a public zone by `name`.
 * Outputs: `id` (without `/hostedzone/`, as the data source's `zone_id`), `arn`.
 */

import type { AwsTfRenderer } from './render.js';
import { data } from './render.js';
import { isHostedZoneId } from '../zone-id.js';

export const hostedZoneRenderer: AwsTfRenderer = {
  kind: 'HostedZone',
  render(task, ctx) {
    const by = isHostedZoneId(task.name) ? { zone_id: ctx.value(task.name) } : { name: ctx.value(task.name) };
    return data('aws_route53_zone', by, { id: 'zone_id', arn: 'arn' });
  },
};
