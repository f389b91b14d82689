/**
 * An EBS volume per etcd member, in the zone of its control-plane group, tagged as kops tags
 * them so that etcd-manager finds and attaches it: `k8s.io/etcd/<cluster>` = `<member>/<all
 * members>`, and the control-plane role tags.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { ebsVolumeTask } from '../tasks/ebs-volume.js';
import { etcdVolumeName } from './names.js';
import { named } from './tags.js';

export function etcdTasks(spec: SettledSpec): Task[] {
  const cluster = spec.cluster.metadata.name;
  return spec.cluster.spec.etcdClusters.flatMap((etcd) => {
    const members = etcd.etcdMembers.map((m) => m.name).join(',');
    return etcd.etcdMembers.map((m): Task => {
      const name = etcdVolumeName(m.name, etcd.name, cluster);
      return ebsVolumeTask(name, {
        availabilityZone: m.zone,
        size: m.volumeSize,
        volumeType: m.volumeType,
        encrypted: true,
        tags: named(spec, name, { [`k8s.io/etcd/${etcd.name}`]: `${m.name}/${members}`, 'k8s.io/role/control-plane': '1', 'k8s.io/role/master': '1' }),
      });
    });
  });
}
