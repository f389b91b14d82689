/**
 * Schemas of the Kubernetes component settings (kubelet, API server, ...).
 *
 * Each is a small strict object with the settings people actually change, named as in kops
 * v1alpha2 so that a kops spec carries over: anything not listed here is refused at parse time
 * (and reported as dropped by the kops conversion) rather than silently ignored.
 */

import * as z from 'zod';

/** A Kubernetes resource quantity such as `200m`, `1.5`, `800Mi`. */
export const QuantitySchema = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/)
  .meta({ description: 'A Kubernetes resource quantity.', examples: ['200m', '800Mi'] });

export const StringMapSchema = z.record(z.string(), z.string());

/** A Go duration (metav1.Duration, as kops writes it): `30s`, `1m30s`, `500ms`, `0`. */
export const DurationSchema = z
  .string()
  .regex(/^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/)
  .meta({ description: 'A duration: a number and a unit (ns, us, ms, s, m, h), e.g. 30s, 1m30s, 500ms.', examples: ['30s', '1m30s'] });

/**
 * A rate as kops writes it (a resource.Quantity): a number or a quantity string such as `500m`
 * (0.5). The API server's flag takes a plain number: see cloudup/nodeup/components.ts.
 */
export const RateSchema = z
  .union([z.number().positive(), z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G)?$/).refine((q) => !/^0+(\.0+)?[mkMG]?$/.test(q), { message: 'must be above 0' })])
  .meta({ description: 'A number above 0, or a quantity such as "500m" (0.5).', examples: [10, '500m'] });

const featureGates = StringMapSchema.meta({
  description: 'Feature gates, name to "true" or "false".',
  examples: [{ InPlacePodVerticalScaling: 'true' }],
});
const logLevel = z.int().min(0).max(10).meta({ description: 'klog verbosity (0-10).' });

/** Requests and limits of a control-plane component's static pod. */
const resources = {
  cpuRequest: QuantitySchema.optional(),
  cpuLimit: QuantitySchema.optional(),
  memoryRequest: QuantitySchema.optional(),
  memoryLimit: QuantitySchema.optional(),
};

export const KubeletSchema = z.strictObject({
  anonymousAuth: z.boolean().optional().describe('Allow anonymous requests to the kubelet API.'),
  maxPods: z.int().min(1).optional().describe('Maximum pods per node.'),
  podPidsLimit: z.int().min(-1).optional().describe('Maximum PIDs per pod (-1: unlimited).'),
  evictionHard: z.string().optional().describe('Hard eviction thresholds, e.g. "memory.available<100Mi".'),
  kubeReserved: StringMapSchema.optional().describe('Resources reserved for Kubernetes daemons, e.g. {cpu: 100m}.'),
  systemReserved: StringMapSchema.optional().describe('Resources reserved for the OS, e.g. {memory: 200Mi}.'),
  imageGCHighThresholdPercent: z.int().min(0).max(100).optional(),
  imageGCLowThresholdPercent: z.int().min(0).max(100).optional(),
  featureGates: featureGates.optional(),
  logLevel: logLevel.optional(),
});

export const KubeAPIServerSchema = z.strictObject({
  anonymousAuth: z.boolean().optional(),
  serviceNodePortRange: z
    .string()
    .optional()
    .meta({ description: 'Port range for NodePort services.', examples: ['30000-32767'] }),
  enableAdmissionPlugins: z.array(z.string()).optional(),
  runtimeConfig: StringMapSchema.optional().describe('API groups to enable or disable, e.g. {"batch/v2alpha1": "true"}.'),
  auditPolicyFile: z.string().optional().describe('--audit-policy-file: a file that spec.fileAssets writes on every machine running the API server.'),
  auditLogPath: z.string().optional().describe('--audit-log-path: a file, whose folder is mounted into the API server\'s pod, or "-" for its standard output.'),
  auditLogMaxAge: z.int().min(0).optional().describe('--audit-log-maxage: days the old audit log files are kept.'),
  auditLogMaxBackups: z.int().min(0).optional().describe('--audit-log-maxbackup: the old audit log files kept.'),
  auditLogMaxSize: z.int().min(0).optional().describe('--audit-log-maxsize: megabytes of an audit log file before it is rotated.'),
  auditLogFormat: z.enum(['json', 'legacy']).optional().describe('--audit-log-format. Default (the API server\'s): json.'),
  auditWebhookConfigFile: z
    .string()
    .regex(/^\/[^\0]*[^/]$/)
    .optional()
    .meta({
      description: '--audit-webhook-config-file: a kubeconfig naming the audit webhook. A file that spec.fileAssets writes on every machine running the API server.',
      examples: ['/srv/kubernetes/kube-apiserver/audit-webhook-config.yaml'],
    }),
  auditWebhookMode: z.enum(['batch', 'blocking', 'blocking-strict']).optional().describe('--audit-webhook-mode. Default (the API server\'s): batch.'),
  auditWebhookBatchBufferSize: z.int().min(1).optional().describe('--audit-webhook-batch-buffer-size (batch mode).'),
  auditWebhookBatchMaxSize: z.int().min(1).optional().describe('--audit-webhook-batch-max-size (batch mode).'),
  auditWebhookBatchMaxWait: DurationSchema.optional().describe('--audit-webhook-batch-max-wait (batch mode), e.g. 30s.'),
  auditWebhookBatchThrottleBurst: z.int().min(1).optional().describe('--audit-webhook-batch-throttle-burst (batch mode).'),
  auditWebhookBatchThrottleEnable: z.boolean().optional().describe('--audit-webhook-batch-throttle-enable (batch mode).'),
  auditWebhookBatchThrottleQps: RateSchema.optional().describe('--audit-webhook-batch-throttle-qps (batch mode): batches per second, a number or a quantity such as "500m".'),
  auditWebhookInitialBackoff: DurationSchema.optional().describe('--audit-webhook-initial-backoff, e.g. 10s.'),
  oidcIssuerURL: z.string().optional(),
  oidcClientID: z.string().optional(),
  oidcUsernameClaim: z.string().optional(),
  oidcGroupsClaim: z.string().optional(),
  maxRequestsInflight: z.int().min(0).optional(),
  featureGates: featureGates.optional(),
  logLevel: logLevel.optional(),
  ...resources,
});

export const KubeControllerManagerSchema = z.strictObject({
  concurrentNodeSyncs: z.int().min(1).optional(),
  concurrentHorizontalPodAustoscalerSyncs: z.int().min(1).optional().describe("--concurrent-horizontal-pod-autoscaler-syncs (kops's name, spelled as kops spells it)."),
  concurrentJobSyncs: z.int().min(1).optional().describe('--concurrent-job-syncs.'),
  terminatedPodGCThreshold: z.int().min(0).optional(),
  horizontalPodAutoscalerSyncPeriod: z.string().optional().describe('A duration such as "15s".'),
  nodeMonitorGracePeriod: z.string().optional().describe('A duration such as "40s".'),
  featureGates: featureGates.optional(),
  logLevel: logLevel.optional(),
  ...resources,
});

export const KubeSchedulerSchema = z.strictObject({
  featureGates: featureGates.optional(),
  logLevel: logLevel.optional(),
  ...resources,
});

export const KubeProxySchema = z.strictObject({
  enabled: z.boolean().optional().describe('Run kube-proxy (false when the CNI replaces it).'),
  proxyMode: z.enum(['iptables', 'ipvs', 'nftables']).optional(),
  metricsBindAddress: z.string().optional(),
  featureGates: featureGates.optional(),
  logLevel: logLevel.optional(),
  ...resources,
});

const versioned = z.strictObject({ version: z.string().optional() });

export const NetworkingSchema = z
  .strictObject({
    cni: z.strictObject({}).optional().describe('Install no network plugin: bring your own (hoist publishes none).'),
    kindnet: z.strictObject({}).optional().describe('kindnet: routes between nodes, no overlay (nodes must share one network segment).'),
    flannel: z
      .strictObject({ backend: z.enum(['vxlan']).optional().describe('Only vxlan (the default) is supported.') })
      .optional()
      .describe('flannel with its vxlan overlay: the default of new clusters.'),
    cilium: z
      .strictObject({
        version: z.string().optional(),
        agentPodAnnotations: StringMapSchema.optional().describe('Annotations of the cilium agent\'s pods (the DaemonSet\'s pod template), as kops.'),
        operatorPodAnnotations: StringMapSchema.optional().describe('Annotations of the cilium operator\'s pods (the Deployment\'s pod template), as kops.'),
      })
      .optional(),
    calico: versioned.optional(),
    amazonvpc: z.strictObject({}).optional().describe('The Amazon VPC CNI (aws only): pods get VPC addresses.'),
    kubenet: z.strictObject({}).optional().describe('The kubelet\'s own bridge and the cloud\'s routes: hoist publishes no network plugin.'),
  })
  .describe('The pod network: set exactly one of cni, kindnet, flannel, cilium, calico, amazonvpc, kubenet. Default: flannel.');

/** kops's switch of an optional addon: off unless `enabled: true`. */
const enabled = { enabled: z.boolean().optional().describe('Install the addon. Default: false.') };

export const MetricsServerSchema = z
  .strictObject({ ...enabled, insecure: z.boolean().optional().describe('Skip verifying the kubelets\' serving certificates. Default: true (hoist\'s kubelets serve self-signed certificates).') })
  .describe('metrics-server, which serves the resource metrics API (kubectl top, the HPA).');

export const ClusterAutoscalerSchema = z
  .strictObject({
    ...enabled,
    expander: z.enum(['random', 'least-waste', 'most-pods', 'price', 'priority']).optional().describe('Default: random.'),
    balanceSimilarNodeGroups: z.boolean().optional(),
    scaleDownUtilizationThreshold: z.string().optional().describe('e.g. "0.5".'),
    skipNodesWithLocalStorage: z.boolean().optional(),
    skipNodesWithSystemPods: z.boolean().optional(),
    newPodScaleUpDelay: z.string().optional().describe('e.g. "0s".'),
    scaleDownDelayAfterAdd: z.string().optional().describe('e.g. "10m0s".'),
  })
  .describe('cluster-autoscaler, scaling each Node group between its minSize and maxSize.');

export const NodeProblemDetectorSchema = z.strictObject({ ...enabled }).describe('node-problem-detector on every node.');

export const UserAddonSchema = z.strictObject({
  manifest: z
    .string()
    .meta({ description: 'A multi-document YAML file of Kubernetes objects, read when the cluster is planned: file://, s3:// or https://.', examples: ['file:///etc/hoist/addons/monitoring.yaml'] }),
});

/** An integer or a percentage of the group's size, e.g. `1` or `"25%"`. */
export const IntOrPercentSchema = z
  .union([z.int().min(0), z.string().regex(/^[0-9]+%$/)])
  .meta({ description: 'An integer or a percentage of the group size.', examples: [1, '25%'] });

export const RollingUpdateSchema = z.strictObject({
  maxSurge: IntOrPercentSchema.optional().describe('Extra instances to create before old ones go.'),
  maxUnavailable: IntOrPercentSchema.optional().describe('Instances that may be down at once.'),
});
