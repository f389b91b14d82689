/** A persistent disk for every etcd member, in the zone of the member's control-plane group. */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task } from '../../../src/engine/task.js';
import { ETCD_CLUSTER_LABEL, ETCD_MEMBER_LABEL, ROLE_LABEL, gceLabels, labelValue, ownershipLabels } from '../labels.js';
import { etcdDiskName } from '../names.js';

export function etcdTasks(spec: CompletedSpec): Task[] {
  const cluster = spec.cluster.metadata.name;
  const zoneOf = new Map(spec.instanceGroups.map((ig) => [ig.metadata.name, ig.spec.zones[0] ?? '']));
  return spec.cluster.spec.etcdClusters.flatMap((etcd) =>
    etcd.etcdMembers.map((m): Task => ({
      kind: 'Disk',
      name: etcdDiskName(m.name, etcd.name, cluster),
      lifecycle: 'Sync',
      dependsOn: [],
      desired: {
        zone: zoneOf.get(m.instanceGroup) ?? '',
        sizeGb: m.volumeSize ?? 20,
        type: m.volumeType ?? 'pd-ssd',
        labels: {
          ...gceLabels(spec.cluster.spec.cloudLabels),
          ...ownershipLabels(cluster),
          [ROLE_LABEL]: 'control-plane',
          [ETCD_CLUSTER_LABEL]: labelValue(etcd.name),
          [ETCD_MEMBER_LABEL]: labelValue(m.name),
        },
      },
    })),
  );
}
