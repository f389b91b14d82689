/**
 * HostedZone → `data.aws_route53_zone` by name: hoist uses the zone of dnsZone but never makes
 * nor deletes it. Outputs: `id` (without `/hostedzone/`, as the data source's `zone_id`), `arn`.
 */

import type { AwsTfRenderer } from './render.js';
import { data } from './render.js';

export const hostedZoneRenderer: AwsTfRenderer = {
  kind: 'HostedZone',
  render(task, ctx) {
    return data('aws_route53_zone', { name: ctx.value(task.name) }, { id: 'zone_id', arn: 'arn' });
  },
};
