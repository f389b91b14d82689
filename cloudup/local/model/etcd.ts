/** A data volume for every etcd member, in the zone of the member's control-plane group. */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task } from '../../../src/engine/task.js';
import { etcdVolumeName } from './names.js';

const DEFAULT_VOLUME_GB = 20;

export function etcdTasks(spec: CompletedSpec): Task[] {
  const cluster = spec.cluster.metadata.name;
  const zoneOf = new Map(spec.instanceGroups.map((ig) => [ig.metadata.name, ig.spec.zones[0] ?? '']));
  return spec.cluster.spec.etcdClusters.flatMap((etcd) =>
    etcd.etcdMembers.map((m): Task => ({
      kind: 'Volume',
      name: etcdVolumeName(m.name, etcd.name, cluster),
      lifecycle: 'Sync',
      dependsOn: [],
      desired: { zone: zoneOf.get(m.instanceGroup) ?? '', sizeGb: m.volumeSize ?? DEFAULT_VOLUME_GB, volumeType: m.volumeType ?? 'local' },
    })),
  );
}
