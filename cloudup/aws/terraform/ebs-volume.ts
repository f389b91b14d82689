/** EBSVolume of an etcd member → `aws_ebs_volume`, with the tags etcd-manager looks for. */

import type { EbsVolumeFields } from '../tasks/ebs-volume.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const ebsVolumeRenderer: AwsTfRenderer = {
  kind: 'EBSVolume',
  render(task, ctx) {
    const d = fieldsOf<EbsVolumeFields>(task);
    return resource('aws_ebs_volume', {
      availability_zone: ctx.value(d.availabilityZone),
      size: ctx.value(d.size),
      type: ctx.value(d.volumeType),
      encrypted: ctx.value(d.encrypted),
      tags: ctx.value(d.tags),
    });
  },
};
