/** LoadBalancer → `aws_lb` (a network load balancer). Its `id` to hoist is the ARN. */

import type { LoadBalancerFields } from '../tasks/load-balancer.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const loadBalancerRenderer: AwsTfRenderer = {
  kind: 'LoadBalancer',
  render(task, ctx) {
    const d = fieldsOf<LoadBalancerFields>(task);
    return resource(
      'aws_lb',
      {
        name: ctx.value(d.loadBalancerName),
        load_balancer_type: ctx.value(d.type),
        internal: d.scheme === 'internal',
        subnets: ctx.value(d.subnetIds),
        ...(d.securityGroupIds.length > 0 ? { security_groups: ctx.value(d.securityGroupIds) } : {}),
        // The provider's default is false, as hoist's.
        ...(d.crossZoneLoadBalancing ? { enable_cross_zone_load_balancing: true } : {}),
        tags: ctx.value(d.tags),
      },
      { id: 'arn', dnsName: 'dns_name', canonicalHostedZoneId: 'zone_id' },
    );
  },
};
