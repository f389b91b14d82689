/** IAMRolePolicy → `aws_iam_role_policy`, the document in `data/` (a template when it refers to other objects). */

import type { IamRolePolicyFields } from '../tasks/iam-role-policy.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const iamRolePolicyRenderer: AwsTfRenderer = {
  kind: 'IAMRolePolicy',
  render(task, ctx) {
    const d = fieldsOf<IamRolePolicyFields>(task);
    return resource('aws_iam_role_policy', {
      name: ctx.value(d.policyName),
      role: ctx.value(d.roleName),
      policy: ctx.document(`aws_iam_role_policy_${task.name}_policy`, d.policyDocument),
    });
  },
};
