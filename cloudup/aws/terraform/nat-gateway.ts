/** NatGateway → `aws_nat_gateway` (public connectivity); it waits for the internet gateway through depends_on. */

import type { NatGatewayFields } from '../tasks/nat-gateway.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const natGatewayRenderer: AwsTfRenderer = {
  kind: 'NatGateway',
  render(task, ctx) {
    const d = fieldsOf<NatGatewayFields>(task);
    return resource('aws_nat_gateway', { subnet_id: ctx.value(d.subnetId), allocation_id: ctx.value(d.allocationId), connectivity_type: 'public', tags: ctx.value(d.tags) });
  },
};
