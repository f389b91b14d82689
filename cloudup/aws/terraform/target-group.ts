/**
 * TargetGroup → `aws_lb_target_group`. Machines join it through their Auto Scaling group's
 * `target_group_arns`, as with the direct target: no attachment resource.
 */

import type { AwsTfRenderer } from './render.js';
import { compact, nested, resource } from './render.js';

export const targetGroupRenderer: AwsTfRenderer = {
  kind: 'TargetGroup',
  render(task, ctx) {
    const d = task.desired;
    const check = nested(d, 'healthCheck');
    const optional = (key: string) => (check[key] === undefined ? undefined : ctx.value(check[key]));
    return resource(
      'aws_lb_target_group',
      {
        name: ctx.value(d['targetGroupName']!),
        protocol: ctx.value(d['protocol']!),
        port: ctx.value(d['port']!),
        vpc_id: ctx.value(d['vpcId']!),
        target_type: ctx.value(d['targetType'] ?? 'instance'),
        health_check: [
          compact({
            protocol: optional('protocol'),
            interval: optional('intervalSeconds'),
            healthy_threshold: optional('healthyThresholdCount'),
            unhealthy_threshold: optional('unhealthyThresholdCount'),
          }),
        ],
        tags: ctx.value(d['tags'] ?? {}),
      },
      { id: 'arn' },
    );
  },
};
