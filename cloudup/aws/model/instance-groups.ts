/**
 * A launch template and an Auto Scaling group per instance group, and the SSH key pair they
 * share. The group points at the template's latest version, so a change of what machines boot
 * with shows as a new version and the group's move to it.
 */

import { createHash } from 'node:crypto';
import type { SettledInstanceGroup, SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import type { BootOptions } from '../../provider.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG } from '../../tags.js';
import { autoScalingGroupTask } from '../tasks/autoscaling-group.js';
import { keyPairTask as keyTask } from '../tasks/key-pair.js';
import { launchTemplateTask } from '../tasks/launch-template.js';
import { groupName } from './names.js';
import type { SecurityRole } from './names.js';
import { named } from './tags.js';
import { userData } from './user-data.js';

export interface GroupInputs {
  readonly subnets: ReadonlyMap<string, TaskId>;
  readonly securityGroups: ReadonlyMap<SecurityRole, TaskId>;
  readonly profiles: ReadonlyMap<string, TaskId>;
  readonly targetGroup: TaskId | undefined;
}

const ROLE = { ControlPlane: 'control-plane', Node: 'node', Bastion: 'bastion' } as const;
const SECURITY_ROLE = { ControlPlane: 'control-plane', Node: 'nodes', Bastion: 'bastion' } as const;

/** The root device of Ubuntu and Debian images, hoist's defaults. */
const ROOT_DEVICE = '/dev/sda1';

export function keyPairTask(spec: SettledSpec): Task | undefined {
  const c = spec.cluster.spec;
  if (c.sshKeyName !== undefined || !c.sshPublicKey) return undefined;
  const cluster = spec.cluster.metadata.name;
  const key = c.sshPublicKey.trim();
  const keyName = `hoist.${cluster}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return keyTask(keyName, { keyName, publicKeyMaterial: key, tags: named(spec, keyName) });
}

export function instanceGroupTasks(spec: SettledSpec, boot: BootOptions, inputs: GroupInputs, keyPair: Task | undefined): Task[] {
  return spec.instanceGroups.flatMap((ig) => groupTasks(spec, ig, boot, inputs, keyPair));
}

function groupTasks(spec: SettledSpec, ig: SettledInstanceGroup, boot: BootOptions, inputs: GroupInputs, keyPair: Task | undefined): Task[] {
  const cluster = spec.cluster.metadata.name;
  const name = groupName(ig.metadata.name, cluster);
  const role = ig.spec.role;
  const sg = inputs.securityGroups.get(SECURITY_ROLE[role])!;
  const profile = inputs.profiles.get(ig.metadata.name)!;
  const keyName = spec.cluster.spec.sshKeyName ?? (keyPair ? ref(idOf(keyPair)) : '');
  const tags = named(spec, name, {
    ...ig.spec.cloudLabels,
    [ROLE_TAG]: ROLE[role],
    [INSTANCE_GROUP_TAG]: ig.metadata.name,
    [`k8s.io/role/${ROLE[role]}`]: '1',
    ...(role === 'ControlPlane' ? { 'k8s.io/role/master': '1' } : {}),
    // What the cluster autoscaler needs to know of a group it may scale from zero.
    ...Object.fromEntries(Object.entries(ig.spec.nodeLabels ?? {}).map(([k, v]) => [`k8s.io/cluster-autoscaler/node-template/label/${k}`, v])),
  });
  const template = launchTemplateTask(
    name,
    {
      launchTemplateName: name,
      imageId: imageId(ig.spec.image),
      instanceType: ig.spec.machineType,
      userData: userData(cluster, ig, boot, spec.cluster.spec.region),
      iamInstanceProfile: ref(profile),
      securityGroupIds: [ref(sg)],
      keyName,
      associatePublicIpAddress: ig.spec.associatePublicIp,
      rootVolume: { deviceName: ROOT_DEVICE, volumeSize: ig.spec.rootVolumeSize, volumeType: ig.spec.rootVolumeType, encrypted: true },
      // IMDSv2 only; the control plane's pods that ask for credentials sit one hop further.
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: role === 'ControlPlane' ? 3 : 1 },
      instanceTags: tags,
      volumeTags: tags,
      tags,
    },
    { dependsOn: [sg, profile, ...(keyPair && spec.cluster.spec.sshKeyName === undefined ? [idOf(keyPair)] : [])] },
  );
  const lt = idOf(template);
  const subnets = [...ig.spec.subnets].map((s) => inputs.subnets.get(s)!).sort();
  const targets = role === 'ControlPlane' && inputs.targetGroup ? [inputs.targetGroup] : [];
  const group = autoScalingGroupTask(
    name,
    {
      autoScalingGroupName: name,
      launchTemplateId: ref(lt),
      launchTemplateVersion: ref(lt, 'latestVersion'),
      minSize: ig.spec.minSize,
      maxSize: ig.spec.maxSize,
      vpcZoneIdentifier: subnets.map((s) => ref(s)),
      targetGroupArns: targets.map((t) => ref(t)),
      tags,
    },
    { dependsOn: [lt, ...subnets, ...targets] },
  );
  return [template, group];
}

/**
 * `ssm:<parameter>` is resolved by EC2 at each launch; `ami-…` and `resolve:ssm:…` are taken as
 * they are (the API's validation refuses any other image on aws).
 */
function imageId(image: string): string {
  return image.startsWith('ssm:') ? `resolve:ssm:${image.slice('ssm:'.length)}` : image;
}
