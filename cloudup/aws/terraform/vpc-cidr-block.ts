/** VPCCIDRBlock → `aws_vpc_ipv4_cidr_block_association`. */

import type { VpcCidrBlockFields } from '../tasks/vpc-cidr-block.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const vpcCidrBlockRenderer: AwsTfRenderer = {
  kind: 'VPCCIDRBlock',
  render(task, ctx) {
    const d = fieldsOf<VpcCidrBlockFields>(task);
    return resource('aws_vpc_ipv4_cidr_block_association', { vpc_id: ctx.value(d.vpcId), cidr_block: ctx.value(d.cidrBlock) });
  },
};
