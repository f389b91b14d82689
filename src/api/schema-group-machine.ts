/**
 * What an InstanceGroup's machines get over the Cluster's (kops: the group's wins): files,
 * hooks, kernel settings and kubelet settings. Spread into InstanceGroupSpecSchema (schema.ts).
 */

import * as z from 'zod';
import { fileAssetSchema, hookSchema, PackagesSchema, SysctlParametersSchema, UpdatePolicySchema } from './schema-cluster-extras.js';
import { KubeletSchema } from './schema-components.js';

type Roles = readonly [string, ...string[]];

export function groupMachineShape(roles: Roles) {
  return {
    fileAssets: z.array(fileAssetSchema(roles)).optional().describe('Files written on the group\'s machines, with the Cluster\'s; one at the same path replaces the Cluster\'s.'),
    hooks: z.array(hookSchema(roles)).optional().describe('systemd units run on the group\'s machines, with the Cluster\'s; one of the same name replaces the Cluster\'s.'),
    sysctlParameters: SysctlParametersSchema.optional(),
    packages: PackagesSchema.optional().describe('More OS packages for the group\'s machines, with the Cluster\'s.'),
    updatePolicy: UpdatePolicySchema.optional().describe('OS updates on the group\'s machines, over the Cluster\'s updatePolicy.'),
    kubelet: KubeletSchema.optional().describe('kubelet settings of the group\'s machines, over the Cluster\'s kubelet (or controlPlaneKubelet).'),
  };
}
