/** Component settings of nodeup.yaml, from the completed spec. */

import { isIpv6Cluster, machineSettings, oidcSettings } from '../../src/api/index.js';
import type { CompletedInstanceGroup, CompletedSpec } from '../../src/api/index.js';
import { cidrOf, formatCidr } from '../../src/api/cidr.js';
import { schedulerConfiguration } from '../../src/api/scheduler-config.js';
import { clusterDNSDomain, nodePortRange } from '../../src/api/defaults.js';
import { irsaSettings } from '../../src/api/irsa.js';
import { kubeletClusterDNS } from '../../src/api/kube-dns.js';
import { awsAuthenticatorSettings, podIdentityWebhookSettings } from '../../src/api/webhooks.js';
import type { NodeupConfig, NodeupControlPlane } from '../../nodeup/config/schema.js';
import { etcdVersionFor, plainVersion } from '../../src/assets/index.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The `kubernetes` service sits at the first address of the service range, as in kops (kube-dns's is src/api/kube-dns.ts). */
const API_SERVICE_OFFSET = 1n;

export const ETCD_PORTS: Readonly<Record<string, { client: number; peer: number }>> = {
  main: { client: 2379, peer: 2380 },
  events: { client: 4002, peer: 2381 },
};

export function nthAddress(cidr: string | undefined, n: bigint): string {
  const c = cidrOf(cidr);
  if (c === undefined) return '';
  return formatCidr({ family: c.family, base: c.base + n, prefix: c.family === 4 ? 32 : 128 }).replace(/\/\d+$/, '');
}

/** Drops undefined values, so that YAML and hashes do not depend on which optionals were unset. */
export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

export function kubeletSettings(spec: CompletedSpec, ig: CompletedInstanceGroup): NodeupConfig['kubelet'] {
  // The group's settings over the Cluster's (controlPlaneKubelet on the control plane), as in kops.
  const k = machineSettings(spec.cluster, ig).kubelet;
  const plane = ig.spec.role === 'ControlPlane';
  const apiOnly = ig.spec.role === 'APIServer';
  const labels: Record<string, string> = { ...(ig.spec.nodeLabels ?? {}), 'hoist.dev/instancegroup': ig.metadata.name };
  // kops's label and taint for API-server-only machines: workloads stay off them unless they tolerate it.
  if (plane) labels['node-role.kubernetes.io/control-plane'] = '';
  else if (apiOnly) labels['node-role.kubernetes.io/api-server'] = '';
  else labels['node-role.kubernetes.io/node'] = '';
  const taints = [
    ...(ig.spec.taints ?? []),
    ...(plane ? ['node-role.kubernetes.io/control-plane=:NoSchedule'] : []),
    ...(apiOnly ? ['node-role.kubernetes.io/api-server=:NoSchedule'] : []),
  ];
  return defined({
    // kops's `--node-ip=::` in an IPv6 cluster: the kubelet registers the machine's IPv6 address.
    nodeIP: isIpv6Cluster(spec.cluster.spec) ? '::' : undefined,
    // CoreDNS's address, or node-local-dns's on every node when it runs (spec.kubeDNS), as in kops.
    clusterDNS: kubeletClusterDNS(spec.cluster.spec),
    clusterDomain: clusterDNSDomain(spec.cluster.spec),
    anonymousAuth: k.anonymousAuth ?? false,
    maxPods: k.maxPods,
    podPidsLimit: k.podPidsLimit,
    evictionHard: k.evictionHard,
    kubeReserved: k.kubeReserved,
    systemReserved: k.systemReserved,
    imageGCHighThresholdPercent: k.imageGCHighThresholdPercent,
    imageGCLowThresholdPercent: k.imageGCLowThresholdPercent,
    featureGates: k.featureGates,
    logLevel: k.logLevel ?? 2,
    nodeLabels: sortKeys(labels),
    taints,
  }) as Mutable<NodeupConfig['kubelet']>;
}

export function kubeProxySettings(spec: CompletedSpec): NodeupConfig['kubeProxy'] {
  const p = spec.cluster.spec.kubeProxy ?? {};
  return defined({
    // Cilium replaces kube-proxy only when told to; kops runs kube-proxy by default too.
    enabled: p.enabled ?? true,
    // An IPv6 cluster's pods may have any address of the VPC's block (their nodes' prefixes): no masquerading.
    clusterCIDR: spec.cluster.spec.podCIDR ?? (isIpv6Cluster(spec.cluster.spec) ? spec.cluster.spec.nonMasqueradeCIDR : ''),
    proxyMode: p.proxyMode ?? 'iptables',
    metricsBindAddress: p.metricsBindAddress,
    featureGates: p.featureGates,
    logLevel: p.logLevel ?? 2,
  });
}

/** `apiName`: the name clients use for the API when it is not the spec's (the load balancer's own). */
export function controlPlaneSettings(spec: CompletedSpec, ig: CompletedInstanceGroup, apiName?: string): NodeupControlPlane {
  const c = spec.cluster.spec;
  const a = c.kubeAPIServer ?? {};
  const cm = c.kubeControllerManager ?? {};
  const s = c.kubeScheduler ?? {};
  const resources = (r: { cpuRequest?: string; cpuLimit?: string; memoryRequest?: string; memoryLimit?: string }) =>
    defined({ cpuRequest: r.cpuRequest, cpuLimit: r.cpuLimit, memoryRequest: r.memoryRequest, memoryLimit: r.memoryLimit });
  // spec.authentication.oidc, else kubeAPIServer's oidc fields: the same keys either way, so a
  // cluster that moves its settings to authentication.oidc keeps its configuration's hash.
  const { requiredClaims, ...oidcFlags } = oidcSettings(c) ?? {};
  const oidc = defined(oidcFlags);
  const audit = defined({
    policyFile: a.auditPolicyFile,
    logPath: a.auditLogPath,
    logMaxAge: a.auditLogMaxAge === undefined ? undefined : String(a.auditLogMaxAge),
    logMaxBackups: a.auditLogMaxBackups === undefined ? undefined : String(a.auditLogMaxBackups),
    logMaxSize: a.auditLogMaxSize === undefined ? undefined : String(a.auditLogMaxSize),
    logFormat: a.auditLogFormat,
    webhookConfigFile: a.auditWebhookConfigFile,
    webhookMode: a.auditWebhookMode,
    webhookBatchBufferSize: a.auditWebhookBatchBufferSize === undefined ? undefined : String(a.auditWebhookBatchBufferSize),
    webhookBatchMaxSize: a.auditWebhookBatchMaxSize === undefined ? undefined : String(a.auditWebhookBatchMaxSize),
    webhookBatchMaxWait: a.auditWebhookBatchMaxWait,
    webhookBatchThrottleBurst: a.auditWebhookBatchThrottleBurst === undefined ? undefined : String(a.auditWebhookBatchThrottleBurst),
    webhookBatchThrottleEnable: a.auditWebhookBatchThrottleEnable === undefined ? undefined : String(a.auditWebhookBatchThrottleEnable),
    webhookBatchThrottleQps: a.auditWebhookBatchThrottleQps === undefined ? undefined : rateFlag(a.auditWebhookBatchThrottleQps),
    webhookInitialBackoff: a.auditWebhookInitialBackoff,
  });
  const range = c.serviceClusterIPRange ?? '';
  // spec.serviceAccountIssuerDiscovery: tokens name the published issuer, which others verify.
  const irsa = irsaSettings(spec.cluster);
  return {
    apiServer: defined({
      serviceClusterIPRange: range,
      serviceNodePortRange: nodePortRange(c),
      kubernetesServiceIP: nthAddress(range, API_SERVICE_OFFSET),
      publicName: apiName ?? c.api.publicName,
      serviceAccountIssuer: irsa?.issuer,
      serviceAccountJWKSURI: irsa?.jwksUri,
      apiAudiences: irsa ? [...irsa.apiAudiences] : undefined,
      additionalSANs: c.api.additionalSANs && c.api.additionalSANs.length > 0 ? [...c.api.additionalSANs] : undefined,
      anonymousAuth: a.anonymousAuth ?? false,
      authorizationMode: c.authorization?.alwaysAllow !== undefined ? 'AlwaysAllow' : 'Node,RBAC',
      enableAdmissionPlugins: [...(a.enableAdmissionPlugins ?? ['NodeRestriction'])],
      runtimeConfig: a.runtimeConfig,
      maxRequestsInflight: a.maxRequestsInflight,
      oidc: Object.keys(oidc).length > 0 ? oidc : undefined,
      oidcRequiredClaims: requiredClaims === undefined ? undefined : sortKeys(requiredClaims),
      awsIamAuthenticator: awsAuthenticatorSettings(spec.cluster) === undefined ? undefined : true,
      audit: Object.keys(audit).length > 0 ? audit : undefined,
      featureGates: a.featureGates,
      logLevel: a.logLevel ?? 2,
      ...resources(a),
    }),
    controllerManager: defined({
      clusterName: spec.cluster.metadata.name,
      clusterCIDR: c.podCIDR ?? '',
      serviceClusterIPRange: range,
      // An IPv6 cluster's node pod ranges are not cut from one range by the controller manager.
      allocateNodeCIDRs: !isIpv6Cluster(c),
      concurrentNodeSyncs: cm.concurrentNodeSyncs,
      concurrentHorizontalPodAutoscalerSyncs: cm.concurrentHorizontalPodAustoscalerSyncs,
      concurrentJobSyncs: cm.concurrentJobSyncs,
      terminatedPodGCThreshold: cm.terminatedPodGCThreshold,
      horizontalPodAutoscalerSyncPeriod: cm.horizontalPodAutoscalerSyncPeriod,
      nodeMonitorGracePeriod: cm.nodeMonitorGracePeriod,
      featureGates: cm.featureGates,
      logLevel: cm.logLevel ?? 2,
      ...resources(cm),
    }),
    scheduler: defined({ featureGates: s.featureGates, logLevel: s.logLevel ?? 2, ...resources(s), config: schedulerConfiguration(c) }),
    // Set only when on: other clusters' nodeup.yaml, and so their machines, stay the same.
    ...(podIdentityWebhookSettings(c) === undefined ? {} : { podIdentityWebhook: true }),
    // IPv6 clusters are AWS's only (validate-ipv6.ts): the Nodes' ranges are their machines' prefixes.
    ...(isIpv6Cluster(c) ? { awsIPAM: true } : {}),
    etcdClusters: c.etcdClusters.flatMap((e) => {
      const member = e.etcdMembers.find((m) => m.instanceGroup === ig.metadata.name);
      if (member === undefined) return [];
      const ports = ETCD_PORTS[e.name] ?? { client: 4003 + c.etcdClusters.indexOf(e), peer: 2382 + c.etcdClusters.indexOf(e) };
      return [{
        name: e.name,
        version: plainVersion(e.version ?? etcdVersionFor(c.kubernetesVersion)),
        member: member.name,
        clientPort: ports.client,
        peerPort: ports.peer,
        members: e.etcdMembers.map((m) => ({ name: m.name, instanceGroup: m.instanceGroup })),
      }];
    }),
  };
}

/**
 * An APIServer machine's: the API server's settings of the control plane, and the etcd clusters
 * it reaches on the control plane (by their client ports); no controller manager, scheduler or
 * etcd member.
 */
export function apiServerOnlySettings(spec: CompletedSpec, ig: CompletedInstanceGroup, apiName?: string): NodeupControlPlane {
  const all = controlPlaneSettings(spec, ig, apiName);
  const etcd = spec.cluster.spec.etcdClusters;
  return {
    apiServer: all.apiServer,
    etcdClusters: [],
    remoteEtcd: etcd.map((e, i) => ({ name: e.name, clientPort: (ETCD_PORTS[e.name] ?? { client: 4003 + i }).client })),
  };
}

function sortKeys(o: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * kops's rate (a number or a quantity such as `500m`) as the plain number the API server's float
 * flag parses (a float, which reads no unit): `500m` is 0.5.
 */
export function rateFlag(rate: number | string): string {
  if (typeof rate === 'number') return String(rate);
  const m = /^([0-9]+(?:\.[0-9]+)?)([mkMG]?)$/.exec(rate);
  if (m === null) return rate;
  const n = Number(m[1]);
  const scaled = m[2] === 'm' ? n / 1000 : m[2] === 'k' ? n * 1e3 : m[2] === 'M' ? n * 1e6 : m[2] === 'G' ? n * 1e9 : n;
  return String(scaled);
}
