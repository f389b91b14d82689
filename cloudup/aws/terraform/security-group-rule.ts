/**
 * SecurityGroupRule → `aws_security_group_rule`, one source each as hoist has them. "All
 * protocols" is -1 with ports -1 to hoist and ports 0 to the provider.
 */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const securityGroupRuleRenderer: AwsTfRenderer = {
  kind: 'SecurityGroupRule',
  render(task, ctx) {
    const d = task.desired;
    const all = d['ipProtocol'] === '-1';
    const list = (key: string) => (d[key] === undefined ? undefined : [ctx.value(d[key])]);
    return resource('aws_security_group_rule', {
      security_group_id: ctx.value(d['groupId']!),
      type: ctx.value(d['type']!),
      protocol: ctx.value(d['ipProtocol']!),
      from_port: all ? 0 : ctx.value(d['fromPort']!),
      to_port: all ? 0 : ctx.value(d['toPort']!),
      cidr_blocks: list('cidrIpv4'),
      ipv6_cidr_blocks: list('cidrIpv6'),
      prefix_list_ids: list('prefixListId'),
      source_security_group_id: d['sourceGroupId'] === undefined ? undefined : ctx.value(d['sourceGroupId']),
    });
  },
};
