/**
 * IAMRole → `aws_iam_role`, its trust policy in `data/`. Its `id` to hoist is the role's name.
 * The tags are those the direct target gives a role when it makes it; its permissions boundary,
 * when the spec sets one, `permissions_boundary`.
 */

import type { IamRoleFields } from '../tasks/iam-role.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const iamRoleRenderer: AwsTfRenderer = {
  kind: 'IAMRole',
  render(task, ctx, env) {
    const d = fieldsOf<IamRoleFields>(task);
    return resource(
      'aws_iam_role',
      {
        name: ctx.value(d.roleName),
        path: ctx.value(d.path),
        assume_role_policy: ctx.document(`aws_iam_role_${task.name}_policy`, d.assumeRolePolicyDocument),
        permissions_boundary: d.permissionsBoundary ? ctx.value(d.permissionsBoundary) : undefined,
        tags: ctx.value({ ...env.clusterTags, Name: task.name }),
      },
      { id: 'name', arn: 'arn' },
    );
  },
};
