/** RouteTable → `aws_route_table`, without inline routes: routes are `aws_route` resources of their own. */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const routeTableRenderer: AwsTfRenderer = {
  kind: 'RouteTable',
  render(task, ctx) {
    return resource('aws_route_table', { vpc_id: ctx.value(task.desired['vpcId']!), tags: ctx.value(task.desired['tags'] ?? {}) });
  },
};
