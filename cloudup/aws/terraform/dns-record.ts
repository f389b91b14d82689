/**
 * DNSRecord → `aws_route53_record`: an alias to the load balancer (or values with a TTL).
 * `allow_overwrite`: the direct target upserts the record, so a record of that name left behind
 * is taken over, not an error.
 */

import type { AwsTfRenderer } from './render.js';
import { nested, resource } from './render.js';

export const dnsRecordRenderer: AwsTfRenderer = {
  kind: 'DNSRecord',
  render(task, ctx) {
    const d = task.desired;
    const alias = nested(d, 'aliasTarget');
    const isAlias = d['aliasTarget'] !== undefined;
    return resource('aws_route53_record', {
      zone_id: ctx.value(d['hostedZoneId']!),
      name: ctx.value(d['name']!),
      type: ctx.value(d['type'] ?? 'A'),
      allow_overwrite: true,
      alias: isAlias ? [{ name: ctx.value(alias['dnsName']!), zone_id: ctx.value(alias['hostedZoneId']!), evaluate_target_health: ctx.value(alias['evaluateTargetHealth'] ?? false) }] : undefined,
      ttl: isAlias ? undefined : ctx.value(d['ttl'] ?? 300),
      records: isAlias ? undefined : ctx.value(d['values'] ?? []),
    });
  },
};
