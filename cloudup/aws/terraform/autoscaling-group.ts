/**
 * AutoScalingGroup → `aws_autoscaling_group` on its template's `latest_version`, every tag
 * propagated at launch. The desired capacity is left to AWS (it starts at min_size), so that a
 * scale made by hand or by an autoscaler is not undone by the next apply, as with the direct target.
 */

import type { TfJson } from '../../../src/engine/target-terraform.js';
import type { AutoScalingGroupFields } from '../tasks/autoscaling-group.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const autoScalingGroupRenderer: AwsTfRenderer = {
  kind: 'AutoScalingGroup',
  render(task, ctx) {
    const d = fieldsOf<AutoScalingGroupFields>(task);
    return resource(
      'aws_autoscaling_group',
      {
        name: ctx.value(d.autoScalingGroupName),
        min_size: ctx.value(d.minSize),
        max_size: ctx.value(d.maxSize),
        vpc_zone_identifier: ctx.value(d.vpcZoneIdentifier),
        target_group_arns: d.targetGroupArns.length === 0 ? undefined : ctx.value(d.targetGroupArns),
        launch_template: [{ id: ctx.value(d.launchTemplateId), version: ctx.value(d.launchTemplateVersion) }],
        tag: Object.keys(d.tags)
          .sort()
          .map((key): TfJson => ({ key: ctx.value(key), value: ctx.value(d.tags[key]!), propagate_at_launch: true })),
      },
      { id: 'name', desiredCapacity: 'desired_capacity' },
    );
  },
};
