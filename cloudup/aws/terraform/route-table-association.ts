/** RouteTableAssociation → `aws_route_table_association`. */

import type { RouteTableAssociationFields } from '../tasks/route-table-association.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const routeTableAssociationRenderer: AwsTfRenderer = {
  kind: 'RouteTableAssociation',
  render(task, ctx) {
    const d = fieldsOf<RouteTableAssociationFields>(task);
    return resource('aws_route_table_association', { route_table_id: ctx.value(d.routeTableId), subnet_id: ctx.value(d.subnetId) });
  },
};
