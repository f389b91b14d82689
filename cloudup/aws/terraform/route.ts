/** Route → `aws_route` to an internet gateway or a NAT gateway (hoist's, or one given by id). */

import type { RouteFields } from '../tasks/route.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const routeRenderer: AwsTfRenderer = {
  kind: 'Route',
  render(task, ctx) {
    const d = fieldsOf<RouteFields>(task);
    return resource('aws_route', {
      route_table_id: ctx.value(d.routeTableId),
      destination_cidr_block: ctx.value(d.destinationCidrBlock),
      gateway_id: d.gatewayId === undefined ? undefined : ctx.value(d.gatewayId),
      nat_gateway_id: d.natGatewayId === undefined ? undefined : ctx.value(d.natGatewayId),
    });
  },
};
