/**
 * A launch template and an Auto Scaling group per instance group, and the SSH key pair they
 * share. The group points at the template's latest version, so a change of what machines boot
 * with shows as a new version and the group's move to it.
 */

import { createHash } from 'node:crypto';
import type { CompletedInstanceGroup, CompletedSpec } from '../../../src/api/index.js';
import { ValidationError } from '../../../src/errors.js';
import type { Task, TaskId, Value } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import type { BootOptions } from '../../cloud.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG } from '../../tags.js';
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

export function keyPairTask(spec: CompletedSpec): Task | undefined {
  const c = spec.cluster.spec;
  if (c.sshKeyName !== undefined || !c.sshPublicKey) return undefined;
  const cluster = spec.cluster.metadata.name;
  const key = c.sshPublicKey.trim();
  const keyName = `hoist.${cluster}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return { kind: 'KeyPair', name: keyName, lifecycle: 'Sync', dependsOn: [], desired: { keyName, publicKeyMaterial: key, tags: named(spec, keyName) } };
}

export function instanceGroupTasks(spec: CompletedSpec, boot: BootOptions, inputs: GroupInputs, keyPair: Task | undefined): Task[] {
  return spec.instanceGroups.flatMap((ig, index) => groupTasks(spec, ig, index, boot, inputs, keyPair));
}

function groupTasks(spec: CompletedSpec, ig: CompletedInstanceGroup, index: number, boot: BootOptions, inputs: GroupInputs, keyPair: Task | undefined): Task[] {
  const cluster = spec.cluster.metadata.name;
  const name = groupName(ig.metadata.name, cluster);
  const role = ig.spec.role;
  const sg = inputs.securityGroups.get(SECURITY_ROLE[role])!;
  const profile = inputs.profiles.get(ig.metadata.name)!;
  const keyName: Value = spec.cluster.spec.sshKeyName ?? (keyPair ? ref(idOf(keyPair)) : '');
  const tags = named(spec, name, {
    ...ig.spec.cloudLabels,
    [ROLE_TAG]: ROLE[role],
    [INSTANCE_GROUP_TAG]: ig.metadata.name,
    [`k8s.io/role/${ROLE[role]}`]: '1',
    ...(role === 'ControlPlane' ? { 'k8s.io/role/master': '1' } : {}),
    // What the cluster autoscaler needs to know of a group it may scale from zero.
    ...Object.fromEntries(Object.entries(ig.spec.nodeLabels ?? {}).map(([k, v]) => [`k8s.io/cluster-autoscaler/node-template/label/${k}`, v])),
  });
  const template: Task = {
    kind: 'LaunchTemplate',
    name,
    lifecycle: 'Sync',
    dependsOn: [sg, profile, ...(keyPair && spec.cluster.spec.sshKeyName === undefined ? [idOf(keyPair)] : [])],
    desired: {
      launchTemplateName: name,
      imageId: imageId(spec, ig, index),
      instanceType: ig.spec.machineType,
      userData: userData(cluster, ig, boot),
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
  };
  const lt = idOf(template);
  const subnets = [...ig.spec.subnets].map((s) => inputs.subnets.get(s)!).sort();
  const targets = role === 'ControlPlane' && inputs.targetGroup ? [inputs.targetGroup] : [];
  const group: Task = {
    kind: 'AutoScalingGroup',
    name,
    lifecycle: 'Sync',
    dependsOn: [lt, ...subnets, ...targets],
    desired: {
      autoScalingGroupName: name,
      launchTemplateId: ref(lt),
      launchTemplateVersion: ref(lt, 'latestVersion'),
      minSize: ig.spec.minSize,
      maxSize: ig.spec.maxSize,
      vpcZoneIdentifier: subnets.map((s) => ref(s)),
      targetGroupArns: targets.map((t) => ref(t)),
      tags,
    },
  };
  return [template, group];
}

/** `ssm:<parameter>` is resolved by EC2 at each launch; `ami-…` is taken as it is. */
function imageId(spec: CompletedSpec, ig: CompletedInstanceGroup, index: number): string {
  const image = ig.spec.image;
  if (image.startsWith('ssm:')) return `resolve:ssm:${image.slice('ssm:'.length)}`;
  if (image.startsWith('resolve:ssm:') || /^ami-[0-9a-f]+$/.test(image)) return image;
  throw new ValidationError(`the instance groups of ${spec.cluster.metadata.name}`, [
    { path: `instancegroup/${ig.metadata.name}: spec.image`, value: image, message: `is not an image hoist can use on aws (index ${index})`, fix: 'use an AMI id (ami-…) or an SSM parameter (ssm:/aws/service/…)' },
  ]);
}
