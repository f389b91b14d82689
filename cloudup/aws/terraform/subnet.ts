/**
 * Subnet → `aws_subnet`; a subnet given by id → `data.aws_subnet`, checked to be in the VPC and
 * zone. kops's `/64#N` IPv6 range is `cidrsubnet()` of the VPC's IPv6 block, as kops renders it.
 */

import { parseIpv6Slot } from '../../../src/api/cidr.js';
import { isRef } from '../../../src/engine/task.js';
import type { TfJson, TfRenderContext } from '../../../src/engine/target-terraform.js';
import type { Unresolved } from '../../../src/engine/task.js';
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
      {
        vpc_id: ctx.value(d.vpcId),
        cidr_block: ctx.value(d.cidrBlock!),
        ipv6_cidr_block: ipv6Range(d, ctx),
        assign_ipv6_address_on_creation: d.assignIpv6AddressOnCreation === undefined ? undefined : ctx.value(d.assignIpv6AddressOnCreation),
        availability_zone: ctx.value(d.availabilityZone!),
        tags: ctx.value(d.tags ?? {}),
      },
      attributes,
    );
  },
};

/** Amazon gives a VPC a /56: the Nth /64 is `cidrsubnet(block, 8, N)`. */
const AMAZON_VPC_IPV6_PREFIX = 56;

function ipv6Range(d: Unresolved<SubnetFields>, ctx: TfRenderContext): TfJson | undefined {
  const range = d.ipv6CidrBlock;
  if (range === undefined) return undefined;
  const slot = isString(range) ? parseIpv6Slot(range) : undefined;
  if (!slot || !isRef(d.vpcIpv6CidrBlock)) return ctx.value(range);
  return `\${cidrsubnet(${ctx.expression(d.vpcIpv6CidrBlock)}, ${slot.prefix - AMAZON_VPC_IPV6_PREFIX}, ${slot.index})}`;
}
