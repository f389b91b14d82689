/**
 * A launch template and an Auto Scaling group per instance group, and the SSH key pair they
 * share. The group points at the template's latest version, so a change of what machines boot
 * with shows as a new version and the group's move to it.
 */

import { createHash } from 'node:crypto';
import { isIpv6Cluster } from '../../../src/api/ipv6.js';
import type { SettledInstanceGroup, SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import type { BootOptions } from '../../provider.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG } from '../../tags.js';
import { autoscaled, groupMachineSettings } from '../../../src/api/defaults.js';
import { lifetimeSeconds } from '../../../src/api/validate-group-fields.js';
import { warmPoolOf } from '../../../src/api/warm-pool.js';
import { autoScalingGroupTask } from '../tasks/autoscaling-group.js';
import type { AutoScalingGroupFields } from '../tasks/autoscaling-group.js';
import { keyPairTask as keyTask } from '../tasks/key-pair.js';
import { launchTemplateTask, spotOptions } from '../tasks/launch-template.js';
import { DEFAULT_TENANCY } from '../tasks/launch-template-data.js';
import type { LaunchTemplateFields } from '../tasks/launch-template.js';
import { groupName } from './names.js';
import type { SecurityRole } from './names.js';
import { named } from './tags.js';
import { userData } from './user-data.js';
import { warmPoolTasks } from './warm-pools.js';

export interface GroupInputs {
  readonly subnets: ReadonlyMap<string, TaskId>;
  readonly securityGroups: ReadonlyMap<SecurityRole, TaskId>;
  readonly profiles: ReadonlyMap<string, TaskId>;
  /** The API load balancer's target groups the control-plane and APIServer groups register with. */
  readonly targetGroups: readonly TaskId[];
}

const ROLE = { ControlPlane: 'control-plane', APIServer: 'apiserver', Node: 'node', Bastion: 'bastion' } as const;
const SECURITY_ROLE = { ControlPlane: 'control-plane', APIServer: 'apiserver', Node: 'nodes', Bastion: 'bastion' } as const;

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
    // What the cluster autoscaler needs to know of a group it may scale from zero; none for a group it leaves alone (autoscale: false).
    ...(autoscaled(ig.spec) ? Object.fromEntries(Object.entries(ig.spec.nodeLabels ?? {}).map(([k, v]) => [`k8s.io/cluster-autoscaler/node-template/label/${k}`, v])) : {}),
  });
  const template = launchTemplateTask(
    name,
    {
      launchTemplateName: name,
      imageId: imageId(ig.spec.image),
      instanceType: ig.spec.machineType,
      userData: userData(cluster, ig, boot, spec.cluster.spec.region),
      iamInstanceProfile: ref(profile),
      securityGroupIds: [ref(sg), ...(ig.spec.additionalSecurityGroups ?? [])],
      keyName,
      associatePublicIpAddress: ig.spec.associatePublicIp,
      // An IPv6 cluster's machines are dual-stack: an IPv6 address of their subnet, and the metadata service over IPv6, as kops gives them;
      // and a /80 prefix of the subnet for their pods (kops's nodeup asks for it at boot; here the template does).
      ...(isIpv6Cluster(spec.cluster.spec) ? { ipv6AddressCount: 1, ipv6PrefixCount: 1, httpProtocolIpv6: 'enabled' as const } : {}),
      ...machineFields(ig),
      instanceTags: tags,
      volumeTags: tags,
      tags,
    },
    { dependsOn: [sg, profile, ...(keyPair && spec.cluster.spec.sshKeyName === undefined ? [idOf(keyPair)] : [])] },
  );
  const lt = idOf(template);
  const subnets = [...ig.spec.subnets].map((s) => inputs.subnets.get(s)!).sort();
  // An APIServer group's machines serve the API behind the same load balancer as the control plane's.
  const targets = role === 'ControlPlane' || role === 'APIServer' ? inputs.targetGroups : [];
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
      ...externalLoadBalancers(ig),
      tags,
      ...scalingFields(ig),
    },
    { dependsOn: [lt, ...subnets, ...targets] },
  );
  const pool = warmPoolOf(spec.cluster.spec, ig);
  return [template, group, ...(pool === undefined ? [] : warmPoolTasks(name, pool, idOf(group)))];
}

/** The launch template's share of the group's machine settings (src/api/schema-group.ts). */
function machineFields(ig: SettledInstanceGroup): Pick<LaunchTemplateFields, 'rootVolume' | 'volumes' | 'metadataOptions' | 'spot' | 'cpuCredits' | 'monitoring' | 'tenancy' | 'ebsOptimized'> {
  const s = ig.spec;
  const settings = groupMachineSettings('aws', s);
  return {
    rootVolume: {
      deviceName: ROOT_DEVICE,
      volumeSize: s.rootVolumeSize,
      volumeType: s.rootVolumeType,
      encrypted: settings.rootVolumeEncryption,
      ...(s.rootVolumeIops === undefined ? {} : { iops: s.rootVolumeIops }),
      ...(s.rootVolumeThroughput === undefined ? {} : { throughput: s.rootVolumeThroughput }),
      ...(s.rootVolumeEncryptionKey === undefined ? {} : { kmsKeyId: s.rootVolumeEncryptionKey }),
    },
    volumes: settings.volumes.map((v) => ({
      deviceName: v.device,
      volumeSize: v.size,
      volumeType: v.type,
      encrypted: v.encrypted,
      ...(v.iops === undefined ? {} : { iops: v.iops }),
      ...(v.throughput === undefined ? {} : { throughput: v.throughput }),
      ...(v.key === undefined ? {} : { kmsKeyId: v.key }),
      deleteOnTermination: v.deleteOnTermination,
    })),
    metadataOptions: settings.instanceMetadata,
    // With a mixed-instances policy the group asks for spot itself (AWS refuses both).
    spot: s.maxPrice !== undefined && s.mixedInstancesPolicy === undefined ? spotOptions(s.maxPrice, settings.instanceInterruptionBehavior) : null,
    cpuCredits: s.cpuCredits ?? '',
    monitoring: s.detailedInstanceMonitoring ?? false,
    tenancy: s.tenancy ?? DEFAULT_TENANCY,
    ebsOptimized: s.rootVolumeOptimization ?? false,
  };
}

/** The load balancers made outside hoist that the group's machines join (kops's externalLoadBalancers), each list sorted. */
function externalLoadBalancers(ig: SettledInstanceGroup): Pick<AutoScalingGroupFields, 'externalTargetGroupArns' | 'loadBalancerNames'> {
  const balancers = ig.spec.externalLoadBalancers ?? [];
  const sorted = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  return { externalTargetGroupArns: sorted(balancers.map((lb) => lb.targetGroupArn)), loadBalancerNames: sorted(balancers.map((lb) => lb.loadBalancerName)) };
}

/** The Auto Scaling group's share of them. */
function scalingFields(ig: SettledInstanceGroup): Pick<AutoScalingGroupFields, 'mixedInstancesPolicy' | 'capacityRebalance' | 'suspendedProcesses' | 'maxInstanceLifetime' | 'newInstancesProtectedFromScaleIn'> {
  const s = ig.spec;
  const m = s.mixedInstancesPolicy;
  const optional = <K extends string, V>(key: K, v: V | undefined) => (v === undefined ? {} : ({ [key]: v } as Record<K, V>));
  return {
    mixedInstancesPolicy: m
      ? {
          instanceTypes: m.instances ?? [s.machineType],
          ...optional('onDemandAllocationStrategy', m.onDemandAllocationStrategy),
          ...optional('onDemandBaseCapacity', m.onDemandBase),
          ...optional('onDemandPercentageAboveBaseCapacity', m.onDemandAboveBase),
          ...optional('spotAllocationStrategy', m.spotAllocationStrategy),
          ...optional('spotInstancePools', m.spotInstancePools),
          spotMaxPrice: s.maxPrice ?? '',
        }
      : null,
    capacityRebalance: s.capacityRebalance ?? false,
    suspendedProcesses: [...(s.suspendProcesses ?? [])].sort(),
    maxInstanceLifetime: s.maxInstanceLifetime === undefined ? 0 : (lifetimeSeconds(s.maxInstanceLifetime) ?? 0),
    newInstancesProtectedFromScaleIn: s.instanceProtection ?? false,
  };
}

/**
 * `ssm:<parameter>` is resolved by EC2 at each launch; `ami-…` and `resolve:ssm:…` are taken as
 * they are (the API's validation refuses any other image on aws).
 */
function imageId(image: string): string {
  return image.startsWith('ssm:') ? `resolve:ssm:${image.slice('ssm:'.length)}` : image;
}
