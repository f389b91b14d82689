/** Listener → `aws_lb_listener` with one forward action; a TLS one with its certificate and policy. */

import type { ListenerFields } from '../tasks/listener.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const listenerRenderer: AwsTfRenderer = {
  kind: 'Listener',
  render(task, ctx) {
    const d = fieldsOf<ListenerFields>(task);
    return resource(
      'aws_lb_listener',
      {
        load_balancer_arn: ctx.value(d.loadBalancerArn),
        port: ctx.value(d.port),
        protocol: ctx.value(d.protocol),
        ...(d.certificateArn === undefined ? {} : { certificate_arn: ctx.value(d.certificateArn) }),
        ...(d.sslPolicy === undefined ? {} : { ssl_policy: ctx.value(d.sslPolicy) }),
        default_action: [{ type: 'forward', target_group_arn: ctx.value(d.targetGroupArn) }],
      },
      { id: 'arn' },
    );
  },
};
