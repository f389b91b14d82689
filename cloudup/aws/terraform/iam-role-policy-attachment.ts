/** IAMRolePolicyAttachment → `aws_iam_role_policy_attachment`. */

import type { IamRolePolicyAttachmentFields } from '../tasks/iam-role-policy-attachment.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const iamRolePolicyAttachmentRenderer: AwsTfRenderer = {
  kind: 'IAMRolePolicyAttachment',
  render(task, ctx) {
    const d = fieldsOf<IamRolePolicyAttachmentFields>(task);
    return resource('aws_iam_role_policy_attachment', { role: ctx.value(d.roleName), policy_arn: ctx.value(d.policyArn) });
  },
};
