/** IAMInstanceProfile → `aws_iam_instance_profile` with its role. Its `id` to hoist is the profile's name. */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const iamInstanceProfileRenderer: AwsTfRenderer = {
  kind: 'IAMInstanceProfile',
  render(task, ctx, env) {
    const d = task.desired;
    return resource(
      'aws_iam_instance_profile',
      { name: ctx.value(d['instanceProfileName']!), path: ctx.value(d['path'] ?? '/'), role: ctx.value(d['roleName']!), tags: ctx.value({ ...env.clusterTags, Name: task.name }) },
      { id: 'name', arn: 'arn' },
    );
  },
};
