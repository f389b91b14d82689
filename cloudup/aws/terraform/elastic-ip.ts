/** ElasticIP → `aws_eip`; its `id` is the allocation id, as hoist's output is. */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const elasticIpRenderer: AwsTfRenderer = {
  kind: 'ElasticIP',
  render(task, ctx) {
    return resource('aws_eip', { domain: ctx.value(task.desired['domain'] ?? 'vpc'), tags: ctx.value(task.desired['tags'] ?? {}) }, { id: 'allocation_id', publicIp: 'public_ip' });
  },
};
