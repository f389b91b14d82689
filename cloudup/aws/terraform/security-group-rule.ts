/**
 * SecurityGroupRule → `aws_security_group_rule`, one source each as hoist has them. "All
 * protocols" is -1 with ports -1 to hoist and ports 0 to the provider.
 */

import type { Value } from '../../../src/engine/task.js';
import type { SecurityGroupRuleFields } from '../tasks/security-group-rule.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const securityGroupRuleRenderer: AwsTfRenderer = {
  kind: 'SecurityGroupRule',
  render(task, ctx) {
    const d = fieldsOf<SecurityGroupRuleFields>(task);
    const all = d.ipProtocol === '-1';
    const list = (v: Value | undefined) => (v === undefined ? undefined : [ctx.value(v)]);
    return resource('aws_security_group_rule', {
      security_group_id: ctx.value(d.groupId),
      type: ctx.value(d.type),
      protocol: ctx.value(d.ipProtocol),
      from_port: all ? 0 : ctx.value(d.fromPort),
      to_port: all ? 0 : ctx.value(d.toPort),
      cidr_blocks: list(d.cidrIpv4),
      ipv6_cidr_blocks: list(d.cidrIpv6),
      prefix_list_ids: list(d.prefixListId),
      source_security_group_id: d.sourceGroupId === undefined ? undefined : ctx.value(d.sourceGroupId),
    });
  },
};
