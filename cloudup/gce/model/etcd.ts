/** A persistent disk for every etcd member, in the zone of the member's control-plane group. */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { ETCD_CLUSTER_LABEL, ETCD_MEMBER_LABEL, ROLE_LABEL, gceLabels, labelValue, ownershipLabels } from '../labels.js';
import { etcdDiskName } from '../names.js';
import { diskTask } from '../tasks/disk.js';

export function etcdTasks(spec: SettledSpec): Task[] {
  const cluster = spec.cluster.metadata.name;
  return spec.cluster.spec.etcdClusters.flatMap((etcd) =>
    etcd.etcdMembers.map((m) =>
      diskTask(etcdDiskName(m.name, etcd.name, cluster), {
        zone: m.zone,
        sizeGb: m.volumeSize,
        type: m.volumeType,
        labels: {
          ...gceLabels(spec.cluster.spec.cloudLabels),
          ...ownershipLabels(cluster),
          [ROLE_LABEL]: 'control-plane',
          [ETCD_CLUSTER_LABEL]: labelValue(etcd.name),
          [ETCD_MEMBER_LABEL]: labelValue(m.name),
        },
      }),
    ),
  );
}
