/**
 * Route → `aws_route` (IPv4 or IPv6) to an internet gateway, a NAT gateway (hoist's, or one given by
 * id) or an egress-only gateway; a subnet's additional routes also to a transit gateway, a VPC
 * peering connection, a Gateway Load Balancer endpoint or an instance. The provider takes an
 * instance by its network interface only, so a route to one reads it from `data.aws_instance`.
 */

import { tfName } from '../../../src/engine/target-terraform.js';
import type { Value } from '../../../src/engine/task.js';
import type { RouteFields } from '../tasks/route.js';
import type { AwsTfRenderer } from './render.js';
import { compact, fieldsOf, resource } from './render.js';

export const routeRenderer: AwsTfRenderer = {
  kind: 'Route',
  render(task, ctx) {
    const d = fieldsOf<RouteFields>(task);
    const opt = (v: Value | undefined) => (v === undefined ? undefined : ctx.value(v));
    const block = resource('aws_route', {
      route_table_id: ctx.value(d.routeTableId),
      destination_cidr_block: opt(d.destinationCidrBlock),
      destination_ipv6_cidr_block: opt(d.destinationIpv6CidrBlock),
      gateway_id: opt(d.gatewayId),
      nat_gateway_id: opt(d.natGatewayId),
      egress_only_gateway_id: opt(d.egressOnlyInternetGatewayId),
      transit_gateway_id: opt(d.transitGatewayId),
      vpc_peering_connection_id: opt(d.vpcPeeringConnectionId),
      vpc_endpoint_id: opt(d.vpcEndpointId),
      network_interface_id: d.instanceId === undefined ? undefined : `\${data.aws_instance.${tfName(task.name)}.network_interface_id}`,
    });
    if (d.instanceId === undefined) return block;
    return { ...block, companions: [{ mode: 'data', type: 'aws_instance', body: compact({ instance_id: ctx.value(d.instanceId) }) }] };
  },
};
