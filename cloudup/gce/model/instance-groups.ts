/**
 * An instance template and a managed instance group per zone for each InstanceGroup (or one
 * regional managed instance group over its zones, when it is annotated so: regional.ts). The
 * template is named after a hash of its content, so any change to it (a machine type, a new
 * node configuration hash in its user data) is a new template that the groups switch to.
 */

import type { SettledInstanceGroup, SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId, Unresolved } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { BootOptions } from '../../provider.js';
import { INSTANCE_GROUP_LABEL, ROLE_LABEL, gceLabels, labelValue, ownershipLabels } from '../labels.js';
import { baseInstanceName, contentHash, groupManagerName, networkTag, regionalGroupManagerName, templateName } from '../names.js';
import { isRegionalGroup } from '../regional.js';
import { instanceGroupManagerTask } from '../tasks/instance-group-manager.js';
import { instanceTemplateTask } from '../tasks/instance-template.js';
import type { InstanceTemplateFields } from '../tasks/instance-template.js';
import { STARTUP_SCRIPT_KEY, imagePath, scopes, startupScript } from './boot.js';
import type { Account } from './iam.js';

// APIServer groups are refused on gce (apiserver-role.ts): the entry only completes the map.
export const ROLE = { ControlPlane: 'control-plane', APIServer: 'apiserver', Node: 'node', Bastion: 'bastion' } as const;

export interface GroupInputs {
  readonly network: TaskId;
  readonly subnetworks: ReadonlyMap<string, TaskId>;
  /** The public API load balancer's target pool: the control plane's groups put their instances in it (an internal one's backend service names the groups instead). */
  readonly targetPool?: TaskId;
  /** The service account each group's machines run as (model/iam.ts). */
  readonly accounts: ReadonlyMap<string, Account>;
}

export function instanceGroupTasks(spec: SettledSpec, boot: BootOptions, inputs: GroupInputs): Task[] {
  return spec.instanceGroups.flatMap((ig) => groupTasks(spec, ig, boot, inputs));
}

function groupTasks(spec: SettledSpec, ig: SettledInstanceGroup, boot: BootOptions, inputs: GroupInputs): Task[] {
  const cluster = spec.cluster.metadata.name;
  const role = ROLE[ig.spec.role];
  const subnet = inputs.subnetworks.get(ig.spec.subnets[0]);
  // settleSpec refused a group whose first subnet is not the cluster's: this is a defect, not a user's mistake.
  if (!subnet) throw new HoistError('INTERNAL', `instance group ${ig.metadata.name}: no subnetwork task for subnet ${ig.spec.subnets[0]}`);
  const account = inputs.accounts.get(ig.metadata.name);
  if (!account) throw new HoistError('INTERNAL', `instance group ${ig.metadata.name}: no service account task`);
  const desired: Unresolved<InstanceTemplateFields> = {
    machineType: ig.spec.machineType,
    image: imagePath(ig.spec.image),
    rootVolume: { sizeGb: ig.spec.rootVolumeSize, type: ig.spec.rootVolumeType },
    network: ref(inputs.network, 'selfLink'),
    subnetwork: ref(subnet, 'selfLink'),
    publicIp: ig.spec.associatePublicIp,
    networkTags: [networkTag(cluster, role)],
    labels: {
      ...gceLabels(spec.cluster.spec.cloudLabels),
      ...gceLabels(ig.spec.cloudLabels),
      ...ownershipLabels(cluster),
      [ROLE_LABEL]: role,
      [INSTANCE_GROUP_LABEL]: labelValue(ig.metadata.name),
    },
    metadata: {
      [STARTUP_SCRIPT_KEY]: startupScript(cluster, ig, boot),
      'cluster-name': cluster,
      ...(spec.cluster.spec.sshPublicKey ? { 'ssh-keys': `ubuntu:${spec.cluster.spec.sshPublicKey.trim()}` } : {}),
    },
    // The scopes kops gives a role; the account's IAM bindings are what narrow it (model/iam.ts).
    serviceAccount: { email: account.email, scopes: scopes(ig.spec.role) },
    // Pod traffic leaves the machines with the pods' addresses.
    canIpForward: true,
    ...(ig.spec.gcpProvisioningModel === 'SPOT' ? { scheduling: { provisioningModel: 'SPOT' as const } } : {}),
  };
  const template = instanceTemplateTask(templateName(ig.metadata.name, cluster, contentHash(desired)), desired, { dependsOn: [inputs.network, subnet, ...(account.task ? [account.task] : [])] });
  const tmpl = idOf(template);
  const pools = ig.spec.role === 'ControlPlane' && inputs.targetPool ? [inputs.targetPool] : [];
  const policy = {
    baseInstanceName: baseInstanceName(ig.metadata.name, cluster),
    instanceTemplate: ref(tmpl, 'selfLink'),
    targetPools: pools.map((p) => ref(p, 'selfLink')),
    // A new template only marks instances out of date; the rolling update replaces them.
    updatePolicy: { type: 'OPPORTUNISTIC' },
  };
  if (isRegionalGroup(spec.cluster, ig)) {
    // One group over all the zones, with the whole bounds: GCE spreads the instances evenly.
    const fields = { region: spec.cluster.spec.region, distributionZones: [...ig.spec.zones].sort(), ...policy, targetSize: ig.spec.minSize, maxSize: ig.spec.maxSize };
    return [template, instanceGroupManagerTask(regionalGroupManagerName(ig.metadata.name, cluster), fields, { dependsOn: [tmpl, ...pools] })];
  }
  const sizes = spread(ig.spec.minSize, ig.spec.zones.length);
  const maxSizes = spread(ig.spec.maxSize, ig.spec.zones.length);
  const managers = ig.spec.zones.map((zone, i) =>
    instanceGroupManagerTask(
      groupManagerName(ig.metadata.name, zone, cluster),
      { zone, ...policy, targetSize: sizes[i]!, maxSize: maxSizes[i]! },
      { dependsOn: [tmpl, ...pools] },
    ),
  );
  return [template, ...managers];
}

/** A group's size over its zones, as even as it goes, the first zones taking the remainder (as kops does). */
export function spread(size: number, zones: number): number[] {
  return Array.from({ length: zones }, (_, i) => Math.floor(size / zones) + (i < size % zones ? 1 : 0));
}
