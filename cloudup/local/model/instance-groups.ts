/** An instance template and an instance group per InstanceGroup of a local cluster. */

import { stringify } from 'yaml';
import type { SettledInstanceGroup, SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { renderBootScript } from '../../boot/script.js';
import type { BootOptions } from '../../provider.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG, ownershipTags } from '../../tags.js';
import { instanceGroupTask } from '../tasks/instance-group.js';
import { instanceTemplateTask } from '../tasks/instance-template.js';
import { API_PORT, KUBELET_HEALTH_PORT, apiLoadBalancerName, etcdVolumeName, groupName, subnetName, templateName } from './names.js';

const ROLE = { ControlPlane: 'control-plane', APIServer: 'apiserver', Node: 'node', Bastion: 'bastion' } as const;

/** Roles whose machines serve the API behind its load balancer. */
const serves = (ig: SettledInstanceGroup): boolean => ig.spec.role === 'ControlPlane' || ig.spec.role === 'APIServer';

export function instanceGroupTasks(spec: SettledSpec, boot: BootOptions): Task[] {
  return spec.instanceGroups.flatMap((ig) => groupTasks(spec, ig, boot));
}

function groupTasks(spec: SettledSpec, ig: SettledInstanceGroup, boot: BootOptions): Task[] {
  const cluster = spec.cluster.metadata.name;
  const role = ROLE[ig.spec.role];
  const template = instanceTemplateTask(templateName(ig.metadata.name, cluster), {
    machineType: ig.spec.machineType,
    image: ig.spec.image,
    userData: userData(cluster, ig, boot),
    instanceTags: { ...ownershipTags(cluster), [ROLE_TAG]: role, [INSTANCE_GROUP_TAG]: ig.metadata.name },
  });
  const tmpl = idOf(template);
  const subnets = [...ig.spec.subnets].sort().map((s) => idOf({ kind: 'Subnet', name: subnetName(s, cluster) }));
  const lbs = serves(ig) ? [idOf({ kind: 'LoadBalancer', name: apiLoadBalancerName(cluster) })] : [];
  // A member's machine starts with its volumes attached, or its etcd data would land on its root.
  const volumes = spec.cluster.spec.etcdClusters.flatMap((etcd) =>
    etcd.etcdMembers.filter((m) => m.instanceGroup === ig.metadata.name).map((m) => idOf({ kind: 'Volume', name: etcdVolumeName(m.name, etcd.name, cluster) })),
  );
  const group = instanceGroupTask(
    groupName(ig.metadata.name, cluster),
    {
      templateId: ref(tmpl),
      templateVersion: ref(tmpl, 'latestVersion'),
      subnetIds: subnets.map((s) => ref(s)),
      minSize: ig.spec.minSize,
      maxSize: ig.spec.maxSize,
      loadBalancerIds: lbs.map((l) => ref(l)),
    },
    { dependsOn: [tmpl, ...subnets, ...lbs, ...volumes] },
  );
  return [template, group];
}

/**
 * An instance's user data: the boot script real machines get, which installs the Node.js
 * runtime (the local mirror's) and the nodeup bundle (from the state store folder) and writes
 * the boot configuration: where the node configuration is and the hash it must have. A new
 * hash makes a new template version, which marks running instances out of date.
 *
 * A state store that is not a folder is read with a cloud identity (IMDS, a metadata server's
 * token) that no local instance has: there the user data stays the bare boot configuration, and
 * nodeup starts at once with the daemon's own credentials.
 */
function userData(cluster: string, ig: SettledInstanceGroup, boot: BootOptions): string {
  const healthPorts = serves(ig) ? [API_PORT, KUBELET_HEALTH_PORT] : [KUBELET_HEALTH_PORT];
  const config = { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name), healthPorts };
  if (!boot.stateStore.startsWith('file://')) return `# hoist boot configuration\n${stringify(config)}`;
  return renderBootScript({ boot: config, storeAccess: 'file', node: boot.node, nodeup: boot.nodeup, ...(boot.proxy === undefined ? {} : { proxy: boot.proxy }) });
}
