/** RouteTable → `aws_route_table`, without inline routes: routes are `aws_route` resources of their own. */

import type { RouteTableFields } from '../tasks/route-table.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const routeTableRenderer: AwsTfRenderer = {
  kind: 'RouteTable',
  render(task, ctx) {
    const d = fieldsOf<RouteTableFields>(task);
    return resource('aws_route_table', { vpc_id: ctx.value(d.vpcId), tags: ctx.value(d.tags) });
  },
};
