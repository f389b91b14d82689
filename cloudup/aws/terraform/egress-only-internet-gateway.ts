/** EgressOnlyInternetGateway → `aws_egress_only_internet_gateway`. */

import type { EgressOnlyInternetGatewayFields } from '../tasks/egress-only-internet-gateway.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const egressOnlyInternetGatewayRenderer: AwsTfRenderer = {
  kind: 'EgressOnlyInternetGateway',
  render(task, ctx) {
    const d = fieldsOf<EgressOnlyInternetGatewayFields>(task);
    return resource('aws_egress_only_internet_gateway', { vpc_id: ctx.value(d.vpcId), tags: ctx.value(d.tags) });
  },
};
