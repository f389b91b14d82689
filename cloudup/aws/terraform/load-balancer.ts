/**
 * LoadBalancer → `aws_lb` (a network load balancer). Its `id` to hoist is the ARN. With the
 * spec's subnets, a `subnet_mapping` block per subnet (with its Elastic IP or private address)
 * instead of `subnets`; with access logs, an `access_logs` block; dual-stack (an IPv6 cluster's),
 * `ip_address_type`.
 */

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
        ...(d.subnetAddresses === undefined
          ? { subnets: ctx.value(d.subnetIds) }
          : {
              subnet_mapping: d.subnetIds.map((id, i) => {
                const a = d.subnetAddresses?.[i];
                return {
                  subnet_id: ctx.value(id),
                  ...(a?.privateIPv4Address === undefined ? {} : { private_ipv4_address: ctx.value(a.privateIPv4Address) }),
                  ...(a?.allocationId === undefined ? {} : { allocation_id: ctx.value(a.allocationId) }),
                };
              }),
            }),
        ...(d.securityGroupIds.length > 0 ? { security_groups: ctx.value(d.securityGroupIds) } : {}),
        // The provider's default is false, as hoist's.
        ...(d.crossZoneLoadBalancing ? { enable_cross_zone_load_balancing: true } : {}),
        // Unset: the provider's default, ipv4.
        ...(d.ipAddressType === undefined ? {} : { ip_address_type: ctx.value(d.ipAddressType) }),
        ...(d.accessLog.enabled === true
          ? { access_logs: [{ bucket: ctx.value(d.accessLog.bucket ?? ''), prefix: ctx.value(d.accessLog.prefix ?? ''), enabled: true }] }
          : {}),
        tags: ctx.value(d.tags),
      },
      { id: 'arn', dnsName: 'dns_name', canonicalHostedZoneId: 'zone_id' },
    );
  },
};
