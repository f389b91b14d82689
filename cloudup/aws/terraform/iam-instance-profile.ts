/** IAMInstanceProfile → `aws_iam_instance_profile` with its role. Its `id` to hoist is the profile's name. */

import type { IamInstanceProfileFields } from '../tasks/iam-instance-profile.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const iamInstanceProfileRenderer: AwsTfRenderer = {
  kind: 'IAMInstanceProfile',
  render(task, ctx, env) {
    const d = fieldsOf<IamInstanceProfileFields>(task);
    return resource(
      'aws_iam_instance_profile',
      { name: ctx.value(d.instanceProfileName), path: ctx.value(d.path), role: ctx.value(d.roleName), tags: ctx.value({ ...env.clusterTags, Name: task.name }) },
      { id: 'name', arn: 'arn' },
    );
  },
};
