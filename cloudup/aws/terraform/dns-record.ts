/**
 * DNSRecord → `aws_route53_record`: an alias (A, or AAAA) to the load balancer. `allow_overwrite`: the direct
 * target upserts the record, so a record of that name left behind is taken over, not an error.
 */

import type { DnsRecordFields } from '../tasks/dns-record.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const dnsRecordRenderer: AwsTfRenderer = {
  kind: 'DNSRecord',
  render(task, ctx) {
    const d = fieldsOf<DnsRecordFields>(task);
    const alias = d.aliasTarget;
    return resource('aws_route53_record', {
      zone_id: ctx.value(d.hostedZoneId),
      name: ctx.value(d.name),
      type: ctx.value(d.type),
      allow_overwrite: true,
      alias: [{ name: ctx.value(alias.dnsName), zone_id: ctx.value(alias.hostedZoneId), evaluate_target_health: ctx.value(alias.evaluateTargetHealth) }],
    });
  },
};
