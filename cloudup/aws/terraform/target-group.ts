/**
 * TargetGroup → `aws_lb_target_group`. Machines join it through their Auto Scaling group's
 * `target_group_arns`, as with the direct target: no attachment resource.
 */

import type { TargetGroupFields } from '../tasks/target-group.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const targetGroupRenderer: AwsTfRenderer = {
  kind: 'TargetGroup',
  render(task, ctx) {
    const d = fieldsOf<TargetGroupFields>(task);
    const check = d.healthCheck;
    return resource(
      'aws_lb_target_group',
      {
        name: ctx.value(d.targetGroupName),
        protocol: ctx.value(d.protocol),
        port: ctx.value(d.port),
        vpc_id: ctx.value(d.vpcId),
        target_type: ctx.value(d.targetType),
        health_check: [
          {
            protocol: ctx.value(check.protocol),
            interval: ctx.value(check.intervalSeconds),
            healthy_threshold: ctx.value(check.healthyThresholdCount),
            unhealthy_threshold: ctx.value(check.unhealthyThresholdCount),
          },
        ],
        tags: ctx.value(d.tags),
      },
      { id: 'arn' },
    );
  },
};
