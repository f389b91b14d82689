/**
 * SecurityGroup → `aws_security_group` without inline rules: every rule is an
 * `aws_security_group_rule` of its own, as hoist has them, so the two never fight.
 */

import type { SecurityGroupFields } from '../tasks/security-group.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const securityGroupRenderer: AwsTfRenderer = {
  kind: 'SecurityGroup',
  render(task, ctx) {
    const d = fieldsOf<SecurityGroupFields>(task);
    return resource('aws_security_group', { name: ctx.value(d.groupName), description: ctx.value(d.description), vpc_id: ctx.value(d.vpcId), tags: ctx.value(d.tags) });
  },
};
