/** RouteTableAssociation → `aws_route_table_association`. */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const routeTableAssociationRenderer: AwsTfRenderer = {
  kind: 'RouteTableAssociation',
  render(task, ctx) {
    return resource('aws_route_table_association', { route_table_id: ctx.value(task.desired['routeTableId']!), subnet_id: ctx.value(task.desired['subnetId']!) });
  },
};
