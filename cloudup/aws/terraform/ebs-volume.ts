/** EBSVolume of an etcd member → `aws_ebs_volume`, with the tags etcd-manager looks for. */

import type { AwsTfRenderer } from './render.js';
import { resource } from './render.js';

export const ebsVolumeRenderer: AwsTfRenderer = {
  kind: 'EBSVolume',
  render(task, ctx) {
    const d = task.desired;
    return resource('aws_ebs_volume', {
      availability_zone: ctx.value(d['availabilityZone']!),
      size: ctx.value(d['size']!),
      type: ctx.value(d['volumeType']!),
      encrypted: ctx.value(d['encrypted'] ?? true),
      tags: ctx.value(d['tags'] ?? {}),
    });
  },
};
