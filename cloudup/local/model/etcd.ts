/**
 * A data volume for every etcd member, in the zone of the member's control-plane group, tagged
 * with its member: the daemon attaches it to the machine of the member's group.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { volumeTask } from '../tasks/volume.js';
import { etcdVolumeName } from './names.js';

export function etcdTasks(spec: SettledSpec): Task[] {
  const cluster = spec.cluster.metadata.name;
  return spec.cluster.spec.etcdClusters.flatMap((etcd) =>
    etcd.etcdMembers.map((m) =>
      volumeTask(etcdVolumeName(m.name, etcd.name, cluster), {
        zone: m.zone,
        sizeGb: m.volumeSize,
        volumeType: m.volumeType,
        etcdMember: { etcdCluster: etcd.name, member: m.name, instanceGroup: m.instanceGroup },
      }),
    ),
  );
}
