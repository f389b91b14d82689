/**
 * VPC → `aws_vpc` (with `assign_generated_ipv6_cidr_block` for an Amazon-provided IPv6 block); a
 * VPC given by id (`networkID`) → `data.aws_vpc`, checked against networkCIDR.
 */

import type { VpcFields } from '../tasks/vpc.js';
import type { AwsTfRenderer } from './render.js';
import { data, expectations, fieldsOf, hclString, isString, resource } from './render.js';

export const vpcRenderer: AwsTfRenderer = {
  kind: 'VPC',
  render(task, ctx) {
    const d = fieldsOf<VpcFields>(task);
    const attributes = { id: 'id', cidrBlock: 'cidr_block', ipv6CidrBlock: 'ipv6_cidr_block' };
    if (task.lifecycle === 'ExistsAndValidates') {
      const cidr = d.cidrBlock;
      return data('aws_vpc', { id: ctx.value(task.name), lifecycle: expectations(`VPC ${task.name}`, isString(cidr) ? [['cidr_block', hclString(cidr)]] : []) }, attributes);
    }
    return resource(
      'aws_vpc',
      {
        cidr_block: ctx.value(d.cidrBlock),
        assign_generated_ipv6_cidr_block: d.amazonProvidedIpv6CidrBlock === undefined ? undefined : ctx.value(d.amazonProvidedIpv6CidrBlock),
        enable_dns_support: ctx.value(d.enableDnsSupport ?? true),
        enable_dns_hostnames: ctx.value(d.enableDnsHostnames ?? false),
        tags: ctx.value(d.tags ?? {}),
      },
      attributes,
    );
  },
};
