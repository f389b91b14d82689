/**
 * InternetGateway (attachment included) → `aws_internet_gateway` with `vpc_id`. The gateway of a
 * shared VPC, which hoist names by the VPC's id, → `data.aws_internet_gateway` found by its attachment.
 */

import type { InternetGatewayFields } from '../tasks/internet-gateway.js';
import type { AwsTfRenderer } from './render.js';
import { data, fieldsOf, resource } from './render.js';

export const internetGatewayRenderer: AwsTfRenderer = {
  kind: 'InternetGateway',
  render(task, ctx) {
    const d = fieldsOf<InternetGatewayFields>(task);
    if (task.lifecycle === 'ExistsAndValidates') {
      return data('aws_internet_gateway', { filter: [{ name: 'attachment.vpc-id', values: [ctx.value(d.vpcId)] }] });
    }
    return resource('aws_internet_gateway', { vpc_id: ctx.value(d.vpcId), tags: ctx.value(d.tags ?? {}) });
  },
};
