/** Route → `aws_route` (IPv4 or IPv6) to an internet gateway, a NAT gateway (hoist's, or one given by id) or an egress-only gateway. */

import type { RouteFields } from '../tasks/route.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const routeRenderer: AwsTfRenderer = {
  kind: 'Route',
  render(task, ctx) {
    const d = fieldsOf<RouteFields>(task);
    return resource('aws_route', {
      route_table_id: ctx.value(d.routeTableId),
      destination_cidr_block: d.destinationCidrBlock === undefined ? undefined : ctx.value(d.destinationCidrBlock),
      destination_ipv6_cidr_block: d.destinationIpv6CidrBlock === undefined ? undefined : ctx.value(d.destinationIpv6CidrBlock),
      gateway_id: d.gatewayId === undefined ? undefined : ctx.value(d.gatewayId),
      nat_gateway_id: d.natGatewayId === undefined ? undefined : ctx.value(d.natGatewayId),
      egress_only_gateway_id: d.egressOnlyInternetGatewayId === undefined ? undefined : ctx.value(d.egressOnlyInternetGatewayId),
    });
  },
};
