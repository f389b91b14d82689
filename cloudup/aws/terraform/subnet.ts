/** Subnet → `aws_subnet`; a subnet given by id → `data.aws_subnet`, checked to be in the VPC and zone. */

import { isRef } from '../../../src/engine/task.js';
import type { SubnetFields } from '../tasks/subnet.js';
import type { AwsTfRenderer } from './render.js';
import { data, expectations, fieldsOf, hclString, isString, resource } from './render.js';

export const subnetRenderer: AwsTfRenderer = {
  kind: 'Subnet',
  render(task, ctx) {
    const d = fieldsOf<SubnetFields>(task);
    const attributes = { id: 'id', availabilityZone: 'availability_zone' };
    if (task.lifecycle === 'ExistsAndValidates') {
      const vpc = d.vpcId;
      const zone = d.availabilityZone;
      const checks: [string, string][] = [];
      if (isRef(vpc)) checks.push(['vpc_id', ctx.expression(vpc)]);
      if (isString(zone)) checks.push(['availability_zone', hclString(zone)]);
      return data('aws_subnet', { id: ctx.value(task.name), lifecycle: expectations(`subnet ${task.name}`, checks) }, attributes);
    }
    return resource(
      'aws_subnet',
      { vpc_id: ctx.value(d.vpcId), cidr_block: ctx.value(d.cidrBlock!), availability_zone: ctx.value(d.availabilityZone!), tags: ctx.value(d.tags ?? {}) },
      attributes,
    );
  },
};
