/**
 * nodeup.yaml (`<cluster>/igconfig/<ig>/nodeup.yaml`): everything a node of one instance group
 * needs to configure itself, made from the completed spec by `update cluster`
 * (cloudup/nodeup/) and read by nodeup. It holds settings, asset locations with their pinned
 * checksums, and the names of the keysets the node may read, never key material. Values that
 * differ per machine (its address, its node name) are nodeup's to fill in.
 */

import * as z from 'zod';

export const NODEUP_CONFIG_KIND = 'NodeupConfig';

const StringMap = z.record(z.string(), z.string());

export const NodeupAssetSchema = z.strictObject({
  name: z.enum(['kubernetes-node', 'kubernetes-server', 'etcd', 'containerd']),
  version: z.string(),
  url: z.string(),
  /** Empty when the plan could not pin it (nodeup then refuses it) or when `sha512` pins it. */
  sha256: z.string().regex(/^([0-9a-f]{64})?$/),
  /** Where the project publishes only its sha512 (Kubernetes's release tarballs), the plan pins that. */
  sha512: z.string().regex(/^[0-9a-f]{128}$/).optional(),
});

const KubeletSchema = z.strictObject({
  /** `--node-ip` when it is not the machine's address: `::` in an IPv6 cluster, as kops (the kubelet takes its IPv6 address). */
  nodeIP: z.string().optional(),
  clusterDNS: z.string(),
  clusterDomain: z.string(),
  anonymousAuth: z.boolean(),
  maxPods: z.int().optional(),
  podPidsLimit: z.int().optional(),
  evictionHard: z.string().optional(),
  kubeReserved: StringMap.optional(),
  systemReserved: StringMap.optional(),
  imageGCHighThresholdPercent: z.int().optional(),
  imageGCLowThresholdPercent: z.int().optional(),
  featureGates: StringMap.optional(),
  logLevel: z.int(),
  nodeLabels: StringMap,
  taints: z.array(z.string()),
});

/** A file of spec.fileAssets (the Cluster's and the group's, merged). */
const FileSchema = z.strictObject({
  name: z.string(),
  path: z.string(),
  content: z.string(),
  isBase64: z.boolean(),
  mode: z.string(),
});

/** A systemd unit of spec.hooks (the Cluster's and the group's, merged). */
const HookSchema = z.strictObject({
  name: z.string(),
  enabled: z.boolean(),
  requires: z.array(z.string()),
  before: z.array(z.string()),
  execContainer: z.strictObject({ image: z.string(), command: z.array(z.string()), environment: StringMap }).optional(),
  manifest: z.string().optional(),
  useRawManifest: z.boolean(),
});

const KubeProxySchema = z.strictObject({
  enabled: z.boolean(),
  clusterCIDR: z.string(),
  proxyMode: z.string(),
  metricsBindAddress: z.string().optional(),
  featureGates: StringMap.optional(),
  logLevel: z.int(),
});

const ResourcesSchema = {
  cpuRequest: z.string().optional(),
  cpuLimit: z.string().optional(),
  memoryRequest: z.string().optional(),
  memoryLimit: z.string().optional(),
};

const EtcdSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** The member this group's machine runs. */
  member: z.string(),
  clientPort: z.int(),
  peerPort: z.int(),
  /** Every member: peers reach each other at `etcd-<member>.internal.<cluster>`. */
  members: z.array(z.strictObject({ name: z.string(), instanceGroup: z.string() })),
});

const ControlPlaneSchema = z.strictObject({
  apiServer: z.strictObject({
    serviceClusterIPRange: z.string(),
    serviceNodePortRange: z.string(),
    kubernetesServiceIP: z.string(),
    publicName: z.string(),
    /** spec.serviceAccountIssuerDiscovery: the published issuer, the address of its keys and the API's audiences. */
    serviceAccountIssuer: z.string().optional(),
    serviceAccountJWKSURI: z.string().optional(),
    apiAudiences: z.array(z.string()).optional(),
    /** spec.api.additionalSANs: more names and addresses in the serving certificate. */
    additionalSANs: z.array(z.string()).optional(),
    anonymousAuth: z.boolean(),
    authorizationMode: z.string(),
    enableAdmissionPlugins: z.array(z.string()),
    runtimeConfig: StringMap.optional(),
    maxRequestsInflight: z.int().optional(),
    oidc: StringMap.optional(),
    /** spec.authentication.oidc.requiredClaims: one --oidc-required-claim each. */
    oidcRequiredClaims: StringMap.optional(),
    /** spec.authentication.aws: aws-iam-authenticator's certificate, and the API server asks it about tokens. */
    awsIamAuthenticator: z.boolean().optional(),
    audit: StringMap.optional(),
    featureGates: StringMap.optional(),
    logLevel: z.int(),
    ...ResourcesSchema,
  }),
  /** Absent on an APIServer machine, which runs the API server alone. */
  controllerManager: z.strictObject({
    clusterName: z.string(),
    clusterCIDR: z.string(),
    serviceClusterIPRange: z.string(),
    allocateNodeCIDRs: z.boolean(),
    concurrentNodeSyncs: z.int().optional(),
    concurrentHorizontalPodAutoscalerSyncs: z.int().optional(),
    concurrentJobSyncs: z.int().optional(),
    terminatedPodGCThreshold: z.int().optional(),
    horizontalPodAutoscalerSyncPeriod: z.string().optional(),
    nodeMonitorGracePeriod: z.string().optional(),
    featureGates: StringMap.optional(),
    logLevel: z.int(),
    ...ResourcesSchema,
  }).optional(),
  scheduler: z.strictObject({
    featureGates: StringMap.optional(),
    logLevel: z.int(),
    ...ResourcesSchema,
    /** The cluster's KubeSchedulerConfiguration (without apiVersion and kind), merged over hoist's by nodeup. */
    config: z.record(z.string(), z.unknown()).optional(),
  }).optional(),
  /** spec.podIdentityWebhook: the webhook's serving certificate, which its pods mount from the host. */
  podIdentityWebhook: z.boolean().optional(),
  /**
   * An AWS IPv6 cluster's: the control plane sets each Node's pod range to its machine's IPv6
   * prefix (hoist-aws-ipam.service), as kops-controller does. Only when on, so that other
   * clusters' nodeup.yaml (and its hash) is unchanged.
   */
  awsIPAM: z.boolean().optional(),
  etcdClusters: z.array(EtcdSchema),
  /**
   * An APIServer machine's: the control plane's etcd clusters its API server uses. It runs no
   * member; nodeup reads the members' client URLs where they publish them in the state store.
   */
  remoteEtcd: z.array(z.strictObject({ name: z.string(), clientPort: z.int() })).optional(),
});

export const NodeupConfigSchema = z.strictObject({
  apiVersion: z.literal('hoist.dev/v1alpha1'),
  kind: z.literal(NODEUP_CONFIG_KIND),
  cluster: z.string(),
  instanceGroup: z.string(),
  role: z.enum(['ControlPlane', 'APIServer', 'Node', 'Bastion']),
  kubernetesVersion: z.string(),
  stateStore: z.string(),
  /** How nodes reach the API: the control plane's load balancer or DNS name. */
  apiServer: z.string(),
  /** Where component images come from (`spec.assets.containerRegistry`, else registry.k8s.io). */
  imageRegistry: z.string(),
  assets: z.array(NodeupAssetSchema),
  packages: z.array(z.string()),
  sysctls: StringMap,
  /** Only when the spec has some, so that nodeup.yaml (and its hash) is unchanged without them. */
  files: z.array(FileSchema).optional(),
  hooks: z.array(HookSchema).optional(),
  /** spec.ntp.managed: chrony, with the cloud's time service where it has one. Absent: the image's own. */
  ntp: z.strictObject({ server: z.string().optional() }).optional(),
  /** spec.updatePolicy (the group's, else the Cluster's). Absent: the image's own setting. */
  updatePolicy: z.enum(['automatic', 'external']).optional(),
  /** The group's volumeMounts: formatted when blank, mounted at their paths. */
  volumeMounts: z
    .array(z.strictObject({ device: z.string(), path: z.string(), filesystem: z.enum(['ext4', 'xfs']), formatOptions: z.array(z.string()), mountOptions: z.array(z.string()) }))
    .optional(),
  containerd: z.strictObject({ version: z.string(), sandboxImage: z.string() }),
  /**
   * spec.egressProxy: the proxy's URL and the completed no_proxy list, which containerd, the
   * kubelet, the control plane's pods and apt get. Only when set, so that nodeup.yaml (and its
   * hash) is unchanged without it.
   */
  egressProxy: z.strictObject({ url: z.string(), noProxy: z.string() }).optional(),
  kubelet: KubeletSchema,
  kubeProxy: KubeProxySchema,
  /**
   * The group's warm pool (aws, spec.warmPool): a machine launched into it only prepares itself
   * (nodeup/warm-pool.ts), and with `lifecycleHook` nodeup completes that hook after each run.
   * Only when the group has one, so that nodeup.yaml (and its hash) is unchanged without it.
   */
  warmPool: z.strictObject({ lifecycleHook: z.string().optional() }).optional(),
  controlPlane: ControlPlaneSchema.optional(),
  /**
   * Files of the cluster's secret store this machine gets (`update cluster --yes` copies them to
   * `igconfig/<ig>/secrets/<name>`), pinned by sha256 so that a new secret makes machines out of
   * date. Only when there are some, so that nodeup.yaml (and its hash) is unchanged without them.
   */
  secrets: z.array(z.strictObject({ name: z.enum(['dockerconfig', 'encryptionconfig']), sha256: z.string() })).optional(),
  pki: z.strictObject({
    /** CA keysets whose certificates the node trusts: `pki/issued/<name>/keyset.yaml`. */
    trust: z.array(z.string()),
    /** Keysets with private keys the node may read (control plane and APIServer machines only): `pki/private/<name>/keyset.yaml`. */
    secrets: z.array(z.string()),
    /** Client credentials made for this group by `update cluster --yes`: `igconfig/<ig>/credentials/<name>.yaml`. */
    credentials: z.array(z.string()),
  }),
});

type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type NodeupConfig = DeepReadonly<z.infer<typeof NodeupConfigSchema>>;
export type NodeupAsset = NodeupConfig['assets'][number];
export type NodeupControlPlane = NonNullable<NodeupConfig['controlPlane']>;
export type NodeupEtcd = NodeupControlPlane['etcdClusters'][number];
