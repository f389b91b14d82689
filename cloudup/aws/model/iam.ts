/**
 * IAM of an AWS cluster: one role (with its inline policy and instance profile) for the control
 * plane, and one per other instance group, so that each group's machines read only their own
 * configuration (an APIServer group's also the keysets its API server issues from); on each, the user's additionalPolicies and externalPolicies of its role, and the cluster's permissions boundary. Roles live under the cluster's IAM path, which is how discovery finds them.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Fields, Task, TaskId, Value } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import type { BootOptions } from '../../provider.js';
import { iamName, iamPath } from '../names.js';
import { iamInstanceProfileTask } from '../tasks/iam-instance-profile.js';
import { attachmentName, iamRolePolicyAttachmentTask } from '../tasks/iam-role-policy-attachment.js';
import { iamRolePolicyTask } from '../tasks/iam-role-policy.js';
import { iamRoleTask } from '../tasks/iam-role.js';
import { ADDONS_POLICY_NAME, VPC_CNI_POLICY_NAME, amazonVpcCniPolicy, controlPlaneAddonsPolicy } from './iam-addons.js';
import { ADDITIONAL_POLICY_NAME, additionalPolicy, apiServerPolicy, assumeRolePolicy, controlPlanePolicy, nodePolicy, storeLocation } from './iam-policies.js';
import { API_SERVER_SECRETS } from '../../nodeup/build.js';
import { warmPoolOf } from '../../../src/api/warm-pool.js';
import { groupName } from './names.js';

export interface Iam {
  readonly tasks: Task[];
  /** The instance profile task of each instance group. */
  readonly profiles: ReadonlyMap<string, TaskId>;
}

/** spec.iam.permissionsBoundary: every role hoist makes carries it ("" for none). */
export function permissionsBoundary(spec: SettledSpec): string {
  return spec.cluster.spec.iam?.permissionsBoundary ?? '';
}

export function iamTasks(spec: SettledSpec, boot: BootOptions, hostedZone: TaskId | undefined): Iam {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const store = storeLocation(boot.stateStore, cluster);
  const path = iamPath(cluster);
  const tasks: Task[] = [];
  const profiles = new Map<string, TaskId>();

  const role = (name: string, policy: Fields, extraDeps: readonly TaskId[]): TaskId => {
    const roleName = iamName(name);
    const roleTask = iamRoleTask(roleName, { roleName, path, assumeRolePolicyDocument: assumeRolePolicy(), permissionsBoundary: permissionsBoundary(spec) });
    const roleId = idOf(roleTask);
    const policyTask = iamRolePolicyTask(roleName, { roleName: ref(roleId), policyName: roleName, policyDocument: policy }, { dependsOn: [roleId, ...extraDeps] });
    const profileTask = iamInstanceProfileTask(roleName, { instanceProfileName: roleName, path, roleName: ref(roleId) }, { dependsOn: [roleId] });
    tasks.push(roleTask, policyTask, profileTask);
    return idOf(profileTask);
  };

  // The addons' own policies on a role: the control plane's controllers, the VPC CNI on every machine.
  const vpcCni = spec.cluster.spec.networking.amazonvpc !== undefined;
  const addonsPolicy = (name: string, policy: Fields, policyName = ADDONS_POLICY_NAME): void => {
    const roleName = iamName(name);
    const roleId = idOf({ kind: 'IAMRole', name: roleName });
    tasks.push(iamRolePolicyTask(`${roleName}:${policyName}`, { roleName: ref(roleId), policyName, policyDocument: policy }, { dependsOn: [roleId] }));
  };

  // spec.additionalPolicies: the user's statements, a policy of their own on the role.
  const additional = spec.cluster.spec.additionalPolicies ?? {};
  const userPolicy = (name: string, role: 'control-plane' | 'node' | 'bastion'): void => {
    const text = role === 'control-plane' ? (additional['control-plane'] ?? additional.master) : additional[role];
    if (text !== undefined) addonsPolicy(name, additionalPolicy(text), ADDITIONAL_POLICY_NAME);
  };

  // spec.externalPolicies: managed policies attached to the role; one taken off the list is detached.
  const external = spec.cluster.spec.externalPolicies ?? {};
  const attach = (name: string, role: 'control-plane' | 'node' | 'bastion'): void => {
    const roleName = iamName(name);
    const roleId = idOf({ kind: 'IAMRole', name: roleName });
    const arns = role === 'control-plane' ? (external['control-plane'] ?? external.master) : external[role];
    for (const arn of new Set(arns ?? [])) {
      tasks.push(iamRolePolicyAttachmentTask(attachmentName(roleName, arn), { roleName: ref(roleId), policyArn: arn }, { dependsOn: [roleId] }));
    }
  };
  const extras = (name: string, role: 'control-plane' | 'node' | 'bastion'): void => {
    userPolicy(name, role);
    attach(name, role);
  };

  const groups = spec.instanceGroups;
  if (groups.some((ig) => ig.spec.role === 'ControlPlane')) {
    const zoneArn: Value | undefined = hostedZone ? ref(hostedZone, 'arn') : undefined;
    const profile = role(`control-plane.${cluster}`, controlPlanePolicy(store, region, cluster, zoneArn), hostedZone ? [hostedZone] : []);
    // The cloud controller's and the EBS CSI controller's actions: a policy of their own (iam-addons.ts).
    addonsPolicy(`control-plane.${cluster}`, controlPlaneAddonsPolicy(region, cluster));
    if (vpcCni) addonsPolicy(`control-plane.${cluster}`, amazonVpcCniPolicy(region), VPC_CNI_POLICY_NAME);
    extras(`control-plane.${cluster}`, 'control-plane');
    for (const ig of groups.filter((g) => g.spec.role === 'ControlPlane')) profiles.set(ig.metadata.name, profile);
  }
  for (const ig of groups.filter((g) => g.spec.role !== 'ControlPlane')) {
    // A group named like the control plane's role keeps a name of its own.
    const name = ig.metadata.name === 'control-plane' ? 'control-plane-ig' : ig.metadata.name;
    const hookGroup = warmPoolOf(spec.cluster.spec, ig)?.enableLifecycleHook === true ? groupName(ig.metadata.name, cluster) : undefined;
    const policy = ig.spec.role === 'APIServer' ? apiServerPolicy(store, region, ig.metadata.name, API_SERVER_SECRETS, hookGroup) : nodePolicy(store, region, ig.metadata.name, hookGroup);
    profiles.set(ig.metadata.name, role(`${name}.${cluster}`, policy, []));
    if (vpcCni) addonsPolicy(`${name}.${cluster}`, amazonVpcCniPolicy(region), VPC_CNI_POLICY_NAME);
    // kops's additionalPolicies and externalPolicies have no key for APIServer: its groups take the nodes'.
    extras(`${name}.${cluster}`, ig.spec.role === 'Bastion' ? 'bastion' : 'node');
  }
  return { tasks, profiles };
}
