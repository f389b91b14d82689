/** NatGateway → `aws_nat_gateway` (public connectivity); it waits for the internet gateway through depends_on. */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const natGatewayRenderer: AwsTfRenderer = {
  kind: 'NatGateway',
  render(task, ctx) {
    const d = task.desired;
    return resource('aws_nat_gateway', { subnet_id: ctx.value(d['subnetId']!), allocation_id: ctx.value(d['allocationId']!), connectivity_type: 'public', tags: ctx.value(d['tags'] ?? {}) });
  },
};
