/** ElasticIP → `aws_eip`; its `id` is the allocation id, as hoist's output is. */

import type { ElasticIpFields } from '../tasks/elastic-ip.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const elasticIpRenderer: AwsTfRenderer = {
  kind: 'ElasticIP',
  render(task, ctx) {
    const d = fieldsOf<ElasticIpFields>(task);
    return resource('aws_eip', { domain: ctx.value(d.domain), tags: ctx.value(d.tags) }, { id: 'allocation_id', publicIp: 'public_ip' });
  },
};
