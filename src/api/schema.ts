/**
 * The hoist API: one zod schema per kind gives parsing, the TypeScript types and the published
 * JSON Schema. Field names follow kops v1alpha2 where the concept is the same.
 *
 * The schema checks shapes only. Rules that need more than one field (CIDRs inside the network,
 * etcd members in control-plane groups, ...) are in validation.ts and run on the completed spec.
 * Objects are strict: an unknown (often misspelt) field is an error, never silently ignored.
 */

import * as z from 'zod';
import {
  KubeAPIServerSchema,
  KubeControllerManagerSchema,
  KubeletSchema,
  KubeProxySchema,
  KubeSchedulerSchema,
  ClusterAutoscalerSchema,
  MetricsServerSchema,
  NetworkingSchema,
  NodeProblemDetectorSchema,
  RollingUpdateSchema,
  UserAddonSchema,
  StringMapSchema,
} from './schema-components.js';

import { API_VERSION } from './api-version.js';
import { ApiExtrasShape, clusterExtrasShape } from './schema-cluster-extras.js';
import { groupMachineShape } from './schema-group-machine.js';
import { ExternalPoliciesShape, LoadBalancerExtrasShape } from './schema-lb-iam.js';
import { AuthCloudShape } from './schema-auth-cloud.js';
import { SubnetRoutesShape } from './schema-routes.js';
import { EgressProxyShape } from './schema-egress.js';
import { InstanceGroupMachineFields } from './schema-group.js';
import { KubeDNSSchema } from './schema-kube-dns.js';
import { ClusterWarmPoolShape, GroupWarmPoolShape } from './schema-warm-pool.js';

export { API_VERSION };
export const KINDS = ['Cluster', 'InstanceGroup'] as const;
export type Kind = (typeof KINDS)[number];
export const CLOUDS = ['local', 'aws', 'gce'] as const;
export type CloudProvider = (typeof CLOUDS)[number];
export const SUBNET_TYPES = ['Public', 'Private', 'Utility', 'DualStack'] as const;
export type SubnetType = (typeof SUBNET_TYPES)[number];
export const TOPOLOGIES = ['public', 'private'] as const;
export type Topology = (typeof TOPOLOGIES)[number];
export const INSTANCE_GROUP_ROLES = ['ControlPlane', 'APIServer', 'Node', 'Bastion'] as const;
export type InstanceGroupRole = (typeof INSTANCE_GROUP_ROLES)[number];
/** kops's roles that hoist does not have: an InstanceGroup naming one is refused with this reason and fix. None today. */
export const UNSUPPORTED_ROLES: Readonly<Record<string, { readonly message: string; readonly fix: string }>> = {};
/** The label that ties an InstanceGroup to its cluster. */
export const CLUSTER_LABEL = 'hoist.dev/cluster';

const ObjectMetaSchema = z.strictObject({
  name: z.string().meta({ description: 'The object name: a DNS-1123 subdomain.', examples: ['demo.example.com'] }),
  labels: StringMapSchema.optional(),
  annotations: StringMapSchema.optional(),
  creationTimestamp: z.string().optional().describe('RFC 3339 time the object was created.'),
});

const cidrText = (example: string, description: string) => z.string().meta({ description, examples: [example] });
const accessList = (description: string) =>
  z.array(z.string()).meta({ description, examples: [['0.0.0.0/0']] });

export const SubnetSchema = z.strictObject({
  name: z.string().describe('Subnet name, referenced by instance groups.'),
  zone: z.string().optional().describe('Zone of the subnet (aws, local: required unless `id` is set).'),
  region: z.string().optional().describe('Region of a regional subnet (gce).'),
  cidr: cidrText('172.20.32.0/19', 'IPv4 range inside networkCIDR. Default: carved from networkCIDR.').optional(),
  ipv6CIDR: z
    .string()
    .meta({ description: 'IPv6 range of the subnet (aws, IPv6 clusters): a /64 of the VPC\'s IPv6 block, or kops\'s `/64#N` form, the Nth (hexadecimal) /64 of the block AWS assigns to the VPC.', examples: ['/64#1'] })
    .optional(),
  type: z.enum(SUBNET_TYPES).describe('Public, Private (egress through NAT), Utility (load balancers, NAT, bastions) or DualStack (a Private subnet with IPv6, as kops makes for the control plane of an IPv6 cluster).'),
  id: z.string().optional().describe('ID of an existing subnet to use (shared, not managed by hoist).'),
  egress: z
    .string()
    .optional()
    .meta({
      description: 'The way out of a Private subnet, as kops; one per zone, shared by the zone\'s private subnets. aws: an existing NAT gateway (nat-…) or a transit gateway (tgw-…) as the zone\'s default route, or "External" (you route it); default: a NAT gateway of hoist\'s per zone. gce: "External" leaves the subnet out of the cluster\'s Cloud NAT; default (or kops\'s "NatGateway"): the Cloud NAT. Not read on local.',
      examples: ['tgw-0123456789abcdef0'],
    }),
  ...SubnetRoutesShape,
});

export const EtcdMemberSchema = z.strictObject({
  name: z.string().describe('Member name, unique in the etcd cluster. Default: the zone letter.'),
  instanceGroup: z.string().describe('The control-plane instance group that runs this member.'),
  volumeSize: z.int().min(1).optional().describe('Volume size in GiB. Default: 20.'),
  volumeType: z.string().optional().describe('Volume type. Default: gp3 (aws), pd-ssd (gce), local (local).'),
});

const duration = (example: string, description: string) => z.string().regex(/^[1-9]\d*(s|m|h|d)$/, `a duration such as ${example}`).optional().describe(description);

export const EtcdBackupsSchema = z.strictObject({
  store: z.string().optional().describe('Where backups go (s3://bucket/prefix or file:///path). Default: the state store under backups/etcd/<cluster>/<etcd-cluster>/.'),
  interval: duration('15m', 'How often the leader takes a scheduled backup. Default: 15m.'),
  retention: z
    .strictObject({
      hourly: duration('7d', 'Keep one backup per hour for this long. Default: 7d.'),
      daily: duration('365d', 'Keep one backup per day for this long. Default: 365d.'),
    })
    .optional()
    .describe('Which backups are kept; the newest is always kept.'),
});

export const EtcdClusterSchema = z.strictObject({
  name: z.string().describe('main or events (or another name for an extra cluster).'),
  etcdMembers: z.array(EtcdMemberSchema).describe('An odd number of members: 1, 3 or 5.'),
  version: z.string().optional().describe('etcd version. Default: the one matching kubernetesVersion.'),
  backups: EtcdBackupsSchema.optional().describe('Scheduled snapshots and their retention.'),
});

export const ClusterSpecSchema = z.strictObject({
  cloudProvider: z.enum(CLOUDS).describe('Where the cluster runs.'),
  kubernetesVersion: z.string().meta({ description: 'Kubernetes release, 1.x.y or v1.x.y.', examples: ['1.34.0'] }),
  channel: z.string().optional().describe('Release channel. Default: stable.'),
  region: z.string().optional().describe('Region. Default: the region of the subnets\' zones.'),
  project: z.string().optional().describe('GCP project ID (gce: required).'),
  networkCIDR: cidrText('172.20.0.0/16', 'IPv4 range of the cluster network. Default: 172.20.0.0/16 (aws), 10.0.0.0/16 (gce), 127.20.0.0/16 (local).').optional(),
  additionalNetworkCIDRs: z.array(z.string()).optional().describe('More IPv4 ranges of the network (secondary VPC CIDRs).'),
  networkID: z.string().optional().describe('ID of an existing network (VPC) to use: shared, not managed by hoist.'),
  nonMasqueradeCIDR: cidrText('100.64.0.0/10', 'Range of pod and service addresses. Default: 100.64.0.0/10. `::/0` makes an IPv6 cluster (aws), as in kops.').optional(),
  serviceClusterIPRange: cidrText('100.64.0.0/13', 'Service IPs. Default: the first eighth of nonMasqueradeCIDR (100.64.0.0/13); fd00:5e4f:ce::/108 in an IPv6 cluster.').optional(),
  podCIDR: cidrText('100.96.0.0/11', 'Pod IPs. Default: the upper half of nonMasqueradeCIDR (100.96.0.0/11).').optional(),
  subnets: z.array(SubnetSchema).describe('The subnets: at least one.'),
  topology: z
    .strictObject({
      controlPlane: z.enum(TOPOLOGIES).optional().describe('Default: public.'),
      nodes: z.enum(TOPOLOGIES).optional().describe('Default: public.'),
      dns: z
        .strictObject({ type: z.enum(['Public', 'Private', 'None']).describe('None: no DNS records; machines and kubeconfigs use the API load balancer\'s own name.') })
        .optional()
        .describe('Default: {type: Public}.'),
    })
    .optional(),
  etcdClusters: z.array(EtcdClusterSchema).optional().describe('Default: main and events, one member per control-plane group.'),
  api: z
    .strictObject({
      dns: z.strictObject({}).optional().describe('Reach the API through DNS records of the control-plane nodes. aws refuses it: hoist runs no DNS controller to write those records.'),
      loadBalancer: z
        .strictObject({
          type: z.enum(['Public', 'Internal']),
          class: z.enum(['Classic', 'Network']).optional(),
          ...LoadBalancerExtrasShape,
        })
        .optional()
        .describe('Reach the API through a load balancer.'),
      publicName: z.string().optional().describe('DNS name of the API. Default: api.<cluster name>.'),
      ...ApiExtrasShape,
    })
    .optional()
    .describe('Default: a public load balancer on aws and gce; on local, dns for a public control plane, a public load balancer for a private one or with topology.dns.type None.'),
  dnsZone: z.string().optional().describe('DNS zone that holds the cluster\'s records.'),
  clusterDNSDomain: z
    .string()
    .optional()
    .meta({
      description: 'DNS domain of services and pods (the kubelet\'s clusterDomain, CoreDNS\'s zone, kubernetes.default.svc.<domain> in the API server\'s certificate), as kops: a lower-case DNS name without a trailing dot. Default: cluster.local.',
      examples: ['k8s.internal'],
    }),
  kubeDNS: KubeDNSSchema.optional(),
  sshAccess: accessList('CIDRs (or aws prefix lists) allowed to SSH. Default: [0.0.0.0/0].').optional(),
  kubernetesApiAccess: accessList('CIDRs (or aws prefix lists) allowed to reach the API. Default: [0.0.0.0/0].').optional(),
  nodePortAccess: accessList('CIDRs allowed to reach NodePort services. Default: none.').optional(),
  sshKeyName: z.string().optional().describe('Existing cloud SSH key pair name ("" for none).'),
  sshPublicKey: z.string().optional().describe('SSH public key installed on the nodes.'),
  kubelet: KubeletSchema.optional(),
  kubeAPIServer: KubeAPIServerSchema.optional(),
  kubeControllerManager: KubeControllerManagerSchema.optional(),
  kubeScheduler: KubeSchedulerSchema.optional(),
  kubeProxy: KubeProxySchema.optional(),
  networking: NetworkingSchema.optional(),
  metricsServer: MetricsServerSchema.optional(),
  clusterAutoscaler: ClusterAutoscalerSchema.optional(),
  nodeProblemDetector: NodeProblemDetectorSchema.optional(),
  addons: z.array(UserAddonSchema).optional().describe('Your own addons: manifests published and applied with the system addons (docs/addons.md).'),
  containerRuntime: z
    .string()
    .optional()
    .meta({ description: 'The container runtime, as kops: containerd, the only one hoist (and kops) runs. Default: containerd.', examples: ['containerd'] }),
  containerd: z.strictObject({ version: z.string().optional() }).optional(),
  assets: z
    .strictObject({
      fileRepository: z.string().optional().describe('Mirror of the files nodes download (binaries, archives).'),
      containerRegistry: z.string().optional().describe('Mirror of the container images.'),
    })
    .optional(),
  cloudLabels: StringMapSchema.optional().describe('Tags added to every cloud resource, within the cloud\'s tag limits (docs/spec-reference.md, Validation).'),
  rollingUpdate: RollingUpdateSchema.optional().describe('Default: maxSurge 1, maxUnavailable 0 (1 when maxSurge is 0).'),
  ...clusterExtrasShape(INSTANCE_GROUP_ROLES),
  ...ExternalPoliciesShape,
  ...AuthCloudShape,
  ...EgressProxyShape,
  ...ClusterWarmPoolShape,
});

export const ClusterSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Cluster'),
  metadata: ObjectMetaSchema,
  spec: ClusterSpecSchema,
});

export const InstanceGroupSpecSchema = z.strictObject({
  role: z.enum(INSTANCE_GROUP_ROLES).describe('ControlPlane, APIServer (the API server only, on the control plane\'s etcd), Node or Bastion.'),
  machineType: z.string().optional().describe('Machine type. Default: per cloud and role.'),
  image: z.string().optional().describe('Machine image. Default: per cloud.'),
  minSize: z.int().min(0).optional().describe('Default: 1 (ControlPlane, APIServer, Bastion), 2 (Node).'),
  maxSize: z.int().min(0).optional().describe('Default: 1 (ControlPlane, APIServer, Bastion), 2 (Node), and at least minSize.'),
  autoscale: z
    .boolean()
    .optional()
    .describe('false: cluster-autoscaler (spec.clusterAutoscaler) leaves this Node group at its size, as kops: it is not among the groups it scales, and its cloud resources carry no node-template tags for it. Default: true.'),
  subnets: z.array(z.string()).describe('Names of the cluster subnets the group runs in.'),
  zones: z.array(z.string()).optional().describe('Zones of the group. Default: the zones of its subnets.'),
  rootVolumeSize: z.int().min(1).optional().describe('Root volume in GiB. Default: 64 (ControlPlane, APIServer), 128 (Node), 32 (Bastion).'),
  rootVolumeType: z.string().optional().describe('Root volume type. Default: gp3 (aws), pd-balanced (gce), local (local).'),
  associatePublicIp: z.boolean().optional().describe('Give instances a public IP. Default: true in public subnets.'),
  nodeLabels: StringMapSchema.optional().describe('Kubernetes labels of the group\'s nodes.'),
  taints: z.array(z.string()).meta({ description: 'Taints, key=value:Effect.', examples: [['dedicated=gpu:NoSchedule']] }).optional(),
  cloudLabels: StringMapSchema.optional().describe('Tags of the group\'s cloud resources, with the Cluster\'s cloudLabels; the cloud\'s tag limits apply to both together.'),
  rollingUpdate: RollingUpdateSchema.optional().describe('Default: the cluster\'s; control-plane groups never surge.'),
  additionalUserData: z
    .array(z.strictObject({ name: z.string(), type: z.string(), content: z.string() }))
    .optional()
    .describe('Extra cloud-init parts (aws): sent after the boot script in a multipart MIME user data, as kops does.'),
  ...InstanceGroupMachineFields,
  ...groupMachineShape(INSTANCE_GROUP_ROLES),
  ...GroupWarmPoolShape,
});

export const InstanceGroupSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('InstanceGroup'),
  metadata: ObjectMetaSchema,
  spec: InstanceGroupSpecSchema,
});

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Cluster = DeepReadonly<z.infer<typeof ClusterSchema>>;
export type ClusterSpec = Cluster['spec'];
export type InstanceGroup = DeepReadonly<z.infer<typeof InstanceGroupSchema>>;
export type InstanceGroupSpec = InstanceGroup['spec'];
export type ObjectMeta = Cluster['metadata'];
export type Subnet = ClusterSpec['subnets'][number];
export type EtcdCluster = NonNullable<ClusterSpec['etcdClusters']>[number];
export type EtcdMember = EtcdCluster['etcdMembers'][number];
export type RollingUpdate = NonNullable<ClusterSpec['rollingUpdate']>;
export type IntOrPercent = NonNullable<RollingUpdate['maxSurge']>;
