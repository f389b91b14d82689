/**
 * The machine settings of an InstanceGroup that kops users reach for: spot and mixed instances,
 * the instance metadata service, the root volume's IOPS, throughput and encryption, extra
 * volumes and where they are mounted, and the Auto Scaling group's own settings. Field names
 * and meanings are kops v1alpha2's, so an imported kops group keeps them.
 *
 * Spread into InstanceGroupSpecSchema (schema.ts). Shapes only: rules that need the cloud or
 * other fields (a mount's device among the volumes, a duration's range) are in
 * validate-group-fields.ts; defaults are resolved by defaults.ts (`groupMachineSettings`).
 */

import * as z from 'zod';

/** The processes of an Auto Scaling group that can be suspended, as AWS names them. */
export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;

export const SPOT_ALLOCATION_STRATEGIES = ['lowest-price', 'capacity-optimized', 'capacity-optimized-prioritized', 'price-capacity-optimized'] as const;
export const ON_DEMAND_ALLOCATION_STRATEGIES = ['prioritized', 'lowest-price'] as const;
export const FILESYSTEMS = ['ext4', 'xfs'] as const;

const price = z.string().regex(/^(0|[1-9]\d*)(\.\d+)?$/, 'a price in US dollars per hour such as 0.05');

export const MixedInstancesPolicySchema = z.strictObject({
  instances: z.array(z.string()).meta({ description: 'Instance types the group may run, in order of priority. Default: the group\'s machineType alone.', examples: [['m5.large', 'm5a.large']] }).optional(),
  onDemandAllocationStrategy: z.enum(ON_DEMAND_ALLOCATION_STRATEGIES).optional().describe('How On-Demand capacity is spread over the instance types. Default (AWS): prioritized.'),
  onDemandBase: z.int().min(0).optional().describe('Instances that are always On-Demand. Default: 0.'),
  onDemandAboveBase: z.int().min(0).max(100).optional().describe('Percent of the capacity beyond onDemandBase that is On-Demand; the rest is spot. Default: 100 (no spot).'),
  spotAllocationStrategy: z.enum(SPOT_ALLOCATION_STRATEGIES).optional().describe('How spot capacity is chosen. Default (AWS): lowest-price.'),
  spotInstancePools: z.int().min(1).max(20).optional().describe('Spot pools to spread over (spotAllocationStrategy lowest-price only). Default (AWS): 2.'),
});

export const InstanceMetadataSchema = z.strictObject({
  httpPutResponseHopLimit: z.int().min(1).max(64).optional().describe('Hops an IMDS response may travel. Default: 1 (3 on ControlPlane groups, whose pods ask for credentials).'),
  httpTokens: z.enum(['required', 'optional']).optional().describe('required: IMDSv2 only (session tokens). Default: required.'),
});

/** A target group's ARN (ALB, NLB or GWLB), as elbv2 makes them. */
export const TARGET_GROUP_ARN = /^arn:[a-z0-9-]+:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
/** A Classic Load Balancer's name: up to 32 letters, digits and hyphens, a hyphen at neither end. */
export const CLASSIC_LOAD_BALANCER_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** kops's LoadBalancerSpec: one of the two (validate-group-fields.ts checks that exactly one is set). */
export const ExternalLoadBalancerSchema = z.strictObject({
  loadBalancerName: z
    .string()
    .regex(CLASSIC_LOAD_BALANCER_NAME, 'a Classic Load Balancer name: up to 32 letters, digits and hyphens, e.g. my-external-lb')
    .optional()
    .meta({ description: 'A Classic Load Balancer the group\'s machines are registered with.', examples: ['my-external-lb'] }),
  targetGroupArn: z
    .string()
    .regex(TARGET_GROUP_ARN, 'a target group ARN such as arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/0123456789abcdef')
    .optional()
    .meta({
      description: 'A target group (of an Application, Network or Gateway Load Balancer) the group\'s machines are registered with.',
      examples: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/0123456789abcdef'],
    }),
});

export const TENANCIES = ['default', 'dedicated', 'host'] as const;

export const VolumeSchema = z.strictObject({
  device: z.string().meta({ description: 'Device name the volume is attached as.', examples: ['/dev/xvdd'] }),
  size: z.int().min(1).describe('Size in GiB.'),
  type: z.string().optional().describe('Volume type. Default: the cloud\'s root volume type (gp3 on aws).'),
  iops: z.int().min(1).optional().describe('Provisioned IOPS (io1, io2, gp3).'),
  throughput: z.int().min(1).optional().describe('Throughput in MiB/s (gp3).'),
  encrypted: z.boolean().optional().describe('Default: true.'),
  key: z.string().optional().describe('ARN of the KMS key that encrypts the volume. Default: the account\'s EBS key.'),
  deleteOnTermination: z.boolean().optional().describe('Default: true.'),
});

export const VolumeMountSchema = z.strictObject({
  device: z.string().meta({ description: 'Device to format (on first use) and mount: a volume\'s device.', examples: ['/dev/xvdd'] }),
  path: z.string().meta({ description: 'Absolute path it is mounted at.', examples: ['/data'] }),
  filesystem: z.enum(FILESYSTEMS).optional().describe('Filesystem made on a blank device. Default: ext4.'),
  formatOptions: z.array(z.string()).optional().describe('Extra mkfs options.'),
  mountOptions: z.array(z.string()).optional().describe('Mount options. Default: defaults.'),
});

/** EC2's names for what happens to a spot instance it interrupts (kops's instanceInterruptionBehavior). */
export const INTERRUPTION_BEHAVIORS = ['terminate', 'stop', 'hibernate'] as const;

/** The shape spread into InstanceGroupSpecSchema. */
export const InstanceGroupMachineFields = {
  rootVolumeIops: z.int().min(1).optional().describe('Provisioned IOPS of the root volume (aws: io1, io2, gp3).'),
  rootVolumeThroughput: z.int().min(1).optional().describe('Throughput of the root volume in MiB/s (aws: gp3).'),
  rootVolumeEncryption: z.boolean().optional().describe('Encrypt the root volume (aws). Default: true.'),
  rootVolumeEncryptionKey: z.string().optional().describe('ARN of the KMS key of the root volume (aws). Default: the account\'s EBS key.'),
  rootVolumeOptimization: z.boolean().optional().describe('EBS-optimized instances: dedicated bandwidth to their volumes (aws). Default: false, the instance type\'s own setting (types that are always EBS-optimized stay so).'),
  volumes: z.array(VolumeSchema).optional().describe('Extra volumes made with each machine (aws).'),
  volumeMounts: z.array(VolumeMountSchema).optional().describe('Devices nodeup formats (only when blank) and mounts, as kops does (aws).'),
  additionalSecurityGroups: z.array(z.string()).meta({ description: 'Security groups the machines join besides hoist\'s (aws).', examples: [['sg-0123456789abcdef0']] }).optional(),
  maxPrice: price.optional().describe('Run the group on spot instances, bidding at most this (US dollars per hour, aws). With mixedInstancesPolicy: the spot price cap.'),
  instanceInterruptionBehavior: z
    .enum(INTERRUPTION_BEHAVIORS)
    .optional()
    .describe('What EC2 does with a spot instance it takes back (aws, with maxPrice), as kops: terminate, stop or hibernate. Default: terminate.'),
  mixedInstancesPolicy: MixedInstancesPolicySchema.optional().describe('Run the group on several instance types and a mix of On-Demand and spot (aws).'),
  gcpProvisioningModel: z.enum(['STANDARD', 'SPOT']).optional().describe('SPOT: discounted machines GCE may stop at any time (gce). Default: STANDARD.'),
  instanceMetadata: InstanceMetadataSchema.optional().describe('The instance metadata service (aws). Default: IMDSv2 only.'),
  cpuCredits: z.enum(['standard', 'unlimited']).optional().describe('CPU credits of burstable instance types (aws: t2, t3, t4g).'),
  detailedInstanceMonitoring: z.boolean().optional().describe('One-minute CloudWatch metrics (aws). Default: false.'),
  capacityRebalance: z.boolean().optional().describe('Replace spot instances at risk of interruption ahead of time (aws). Default: false.'),
  suspendProcesses: z.array(z.enum(SCALING_PROCESSES)).optional().describe('Auto Scaling processes to suspend (aws).'),
  maxInstanceLifetime: z.string().meta({ description: 'Replace instances older than this (aws: 0, or 24h to 8760h). Default: no limit.', examples: ['168h'] }).optional(),
  instanceProtection: z.boolean().optional().describe('Protect new instances from scale-in (aws). Default: false.'),
  tenancy: z.enum(TENANCIES).optional().describe('Where the machines run (aws): default (shared hardware), dedicated (hardware of this account alone) or host (a Dedicated Host). Default: default.'),
  externalLoadBalancers: z
    .array(ExternalLoadBalancerSchema)
    .meta({
      description: 'Load balancers made outside hoist that the group\'s machines are registered with (aws): each entry names a Classic Load Balancer or a target group. A control-plane group keeps the API load balancer\'s own target group too.',
      examples: [[{ loadBalancerName: 'my-external-lb' }, { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/0123456789abcdef' }]],
    })
    .optional(),
};
