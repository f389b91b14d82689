/**
 * An EBS volume per etcd member, in the zone of its control-plane group. nodeup on the member's
 * machine finds it by `hoist.dev/cluster`, `hoist.dev/etcd-cluster` and `hoist.dev/etcd-member`
 * in its zone and attaches it (nodeup/etcd/volume-aws.ts). The kops tags stay too, so that
 * etcd-manager would find it as well: `k8s.io/etcd/<cluster>` = `<member>/<all members>`, and
 * the control-plane role tags.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { ETCD_CLUSTER_TAG, ETCD_MEMBER_TAG } from '../../../nodeup/etcd/volume-tags.js';
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
        tags: named(spec, name, {
          [`k8s.io/etcd/${etcd.name}`]: `${m.name}/${members}`,
          'k8s.io/role/control-plane': '1',
          'k8s.io/role/master': '1',
          [ETCD_CLUSTER_TAG]: etcd.name,
          [ETCD_MEMBER_TAG]: m.name,
        }),
      });
    });
  });
}
