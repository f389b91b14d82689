/** An instance template and an instance group per InstanceGroup of a local cluster. */

import { stringify } from 'yaml';
import type { CompletedInstanceGroup, CompletedSpec } from '../../../src/api/index.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import type { BootOptions } from '../../cloud.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG, ownershipTags } from '../../tags.js';
import { API_PORT, KUBELET_HEALTH_PORT, apiLoadBalancerName, groupName, subnetName, templateName } from './names.js';


const ROLE = { ControlPlane: 'control-plane', Node: 'node', Bastion: 'bastion' } as const;

export function instanceGroupTasks(spec: CompletedSpec, boot: BootOptions): Task[] {
  return spec.instanceGroups.flatMap((ig) => groupTasks(spec, ig, boot));
}

function groupTasks(spec: CompletedSpec, ig: CompletedInstanceGroup, boot: BootOptions): Task[] {
  const cluster = spec.cluster.metadata.name;
  const role = ROLE[ig.spec.role];
  const template: Task = {
    kind: 'InstanceTemplate',
    name: templateName(ig.metadata.name, cluster),
    lifecycle: 'Sync',
    dependsOn: [],
    desired: {
      machineType: ig.spec.machineType,
      image: ig.spec.image,
      userData: userData(cluster, ig, boot),
      instanceTags: { ...ownershipTags(cluster), [ROLE_TAG]: role, [INSTANCE_GROUP_TAG]: ig.metadata.name },
    },
  };
  const tmpl = idOf(template);
  const subnets = [...ig.spec.subnets].sort().map((s) => idOf({ kind: 'Subnet', name: subnetName(s, cluster) }));
  const lbs = ig.spec.role === 'ControlPlane' ? [idOf({ kind: 'LoadBalancer', name: apiLoadBalancerName(cluster) })] : [];
  const group: Task = {
    kind: 'InstanceGroup',
    name: groupName(ig.metadata.name, cluster),
    lifecycle: 'Sync',
    dependsOn: [tmpl, ...subnets, ...lbs],
    desired: {
      templateId: ref(tmpl),
      templateVersion: ref(tmpl, 'latestVersion'),
      subnetIds: subnets.map((s) => ref(s)),
      minSize: ig.spec.minSize,
      maxSize: ig.spec.maxSize,
      loadBalancerIds: lbs.map((l) => ref(l)),
    },
  };
  return [template, group];
}

/**
 * The boot configuration an instance receives: where its node configuration is and the hash it
 * must have. A new hash makes a new template version, which marks running instances out of date.
 */
function userData(cluster: string, ig: CompletedInstanceGroup, boot: BootOptions): string {
  const healthPorts = ig.spec.role === 'ControlPlane' ? [API_PORT, KUBELET_HEALTH_PORT] : [KUBELET_HEALTH_PORT];
  const config = { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name), healthPorts };
  return `# hoist boot configuration\n${stringify(config)}`;
}
