/**
 * The control plane's static pods: kube-apiserver, kube-controller-manager and kube-scheduler,
 * with flags from nodeup.yaml and the certificates and kubeconfigs they use, issued here.
 */

import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type { Task } from '../../src/engine/task.js';
import { idOf, taskId } from '../../src/engine/task.js';
import {
  aggregatorProxyClientCertRequest,
  apiServerKubeletClientCertRequest,
  controllerManagerCertRequest,
  etcdClientCertRequest,
  internalApiName,
  schedulerCertRequest,
} from '../../src/pki/requests.js';
import type { NodeupControlPlane } from '../config/schema.js';
import { remoteEtcdFlags } from '../etcd/remote.js';
import { archiveOf } from './assets.js';
import { caFile, copied, issued, kubeconfig } from './pki.js';
import { ENCRYPTION_CONFIG_PATH, encryptionConfigTask } from './secrets.js';
import { schedulerConfigFile } from './scheduler-config.js';
import { staticPodManifest } from './static-pod.js';
import type { StaticPod } from './static-pod.js';
import { proxyPodEnv } from './egress-proxy.js';
import { webhookParts } from './webhooks.js';
import type { HealthCheck, ModelInput } from './types.js';
import { MANIFEST_DIR, PKI_DIR, caPath, file, flags, mapFlag } from './types.js';

export const API_PORT = 6443;
const CM_PORT = 10257;
const SCHEDULER_PORT = 10259;

const pair = (name: string) => ({ certificate: `${PKI_DIR}/${name}.crt`, key: `${PKI_DIR}/${name}.key` });

function resources(r: { cpuRequest?: string; cpuLimit?: string; memoryRequest?: string; memoryLimit?: string }, cpu: string) {
  return {
    requests: { cpu: r.cpuRequest ?? cpu, ...(r.memoryRequest ? { memory: r.memoryRequest } : {}) },
    limits: { ...(r.cpuLimit ? { cpu: r.cpuLimit } : {}), ...(r.memoryLimit ? { memory: r.memoryLimit } : {}) },
  };
}

export function controlPlaneTasks(input: ModelInput): { tasks: Task[]; healthChecks: HealthCheck[] } {
  const { config, node } = input;
  const plane = config.controlPlane;
  if ((config.role !== 'ControlPlane' && config.role !== 'APIServer') || plane === undefined) return { tasks: [], healthChecks: [] };
  const a = plane.apiServer;
  const image = (component: string) => `${config.imageRegistry}/${component}:v${config.kubernetesVersion}`;
  const local = `https://${node.address}:${API_PORT}`;

  // The public name is an address when clients reach the API by its load balancer's address;
  // spec.api.additionalSANs may hold names and addresses too.
  const extra = [a.publicName, ...(a.additionalSANs ?? [])];
  const apiCert = issued(input, 'kube-apiserver', 'kubernetes-ca', {
    commonName: 'kubernetes-master',
    dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${config.kubelet.clusterDomain}`, ...extra.filter((n) => !isIP(n)), internalApiName(config.cluster)],
    ipAddresses: [a.kubernetesServiceIP, '127.0.0.1', node.address, ...extra.filter((n) => isIP(n))],
    usage: 'server',
  }, pair('apiserver'));
  const kubeletClient = issued(input, 'apiserver-kubelet-client', 'kubernetes-ca', apiServerKubeletClientCertRequest(), pair('apiserver-kubelet-client'));
  const etcdClient = issued(input, 'apiserver-etcd-client', 'etcd-clients-ca', etcdClientCertRequest('kube-apiserver'), pair('apiserver-etcd-client'));
  const proxyClient = issued(input, 'front-proxy-client', 'apiserver-aggregator-ca', aggregatorProxyClientCertRequest(), pair('front-proxy-client'));
  const sa = copied(input, 'service-account', 'keyset/service-account', { publicKey: `${PKI_DIR}/service-account.pub`, key: `${PKI_DIR}/service-account.key` });
  // The controller-manager signs kubelets' certificate requests with the cluster CA.
  const signer = copied(input, 'kubernetes-ca-signer', 'keyset/kubernetes-ca', { certificate: `${PKI_DIR}/signer/kubernetes-ca.crt`, key: `${PKI_DIR}/signer/kubernetes-ca.key` });
  const cmCert = issued(input, 'kube-controller-manager', 'kubernetes-ca', controllerManagerCertRequest(), pair('controller-manager'));
  const schedCert = issued(input, 'kube-scheduler', 'kubernetes-ca', schedulerCertRequest(), pair('scheduler'));
  const cmConf = kubeconfig('/etc/kubernetes/controller-manager.conf', { server: local, cluster: config.cluster, user: 'system:kube-controller-manager', cert: cmCert });
  const schedConf = kubeconfig('/etc/kubernetes/scheduler.conf', { server: local, cluster: config.cluster, user: 'system:kube-scheduler', cert: schedCert });

  const etcd = etcdFlags(input);
  const pki = { pki: { path: PKI_DIR, readOnly: true } };
  // spec.encryptionConfig: the stored EncryptionConfiguration, which nodeup wrote beside.
  const encryption = encryptionConfigTask(input);
  // spec.authentication.aws and spec.podIdentityWebhook: their certificates, and the API server's webhook flag.
  const webhooks = webhookParts(input);
  // The audit policy and the webhook's kubeconfig are the user's files: written before the API server starts.
  const auditPaths = [a.audit?.policyFile, a.audit?.webhookConfigFile];
  const auditFiles = (config.files ?? []).filter((f) => auditPaths.includes(f.path)).map((f) => taskId('File', f.path));
  const apiServer = file(
    `${MANIFEST_DIR}/kube-apiserver.yaml`,
    staticPodManifest({
      name: 'kube-apiserver',
      image: image('kube-apiserver'),
      env: proxyPodEnv(config),
      command: [
        'kube-apiserver',
        ...flags({
          'advertise-address': node.address,
          'bind-address': node.bindAddress ?? node.address,
          'secure-port': API_PORT,
          'allow-privileged': true,
          'anonymous-auth': a.anonymousAuth,
          'authorization-mode': a.authorizationMode,
          'client-ca-file': caPath('kubernetes-ca'),
          'enable-admission-plugins': a.enableAdmissionPlugins.join(','),
          'etcd-servers': etcd.servers,
          'etcd-servers-overrides': etcd.overrides,
          'etcd-cafile': caPath('etcd-clients-ca'),
          'etcd-certfile': etcdClient.desired.certificate,
          'etcd-keyfile': etcdClient.desired.key,
          'kubelet-client-certificate': kubeletClient.desired.certificate,
          'kubelet-client-key': kubeletClient.desired.key,
          'proxy-client-cert-file': proxyClient.desired.certificate,
          'proxy-client-key-file': proxyClient.desired.key,
          'requestheader-client-ca-file': caPath('apiserver-aggregator-ca'),
          'requestheader-allowed-names': 'aggregator',
          'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
          'requestheader-group-headers': 'X-Remote-Group',
          'requestheader-username-headers': 'X-Remote-User',
          'service-account-issuer': a.serviceAccountIssuer ?? `https://${internalApiName(config.cluster)}`,
          'service-account-jwks-uri': a.serviceAccountJWKSURI,
          'api-audiences': a.apiAudiences?.join(','),
          'service-account-key-file': sa.desired.publicKey,
          'service-account-signing-key-file': sa.desired.key,
          'service-cluster-ip-range': a.serviceClusterIPRange,
          'service-node-port-range': a.serviceNodePortRange,
          'tls-cert-file': apiCert.desired.certificate,
          'tls-private-key-file': apiCert.desired.key,
          'max-requests-inflight': a.maxRequestsInflight,
          'runtime-config': mapFlag(a.runtimeConfig),
          'oidc-issuer-url': a.oidc?.issuerURL,
          'oidc-client-id': a.oidc?.clientID,
          'oidc-username-claim': a.oidc?.usernameClaim,
          'oidc-groups-claim': a.oidc?.groupsClaim,
          'oidc-username-prefix': a.oidc?.usernamePrefix,
          'oidc-groups-prefix': a.oidc?.groupsPrefix,
          'encryption-provider-config': encryption === undefined ? undefined : ENCRYPTION_CONFIG_PATH,
          ...webhooks.apiServer.flags,
          'audit-policy-file': a.audit?.policyFile,
          'audit-log-path': a.audit?.logPath,
          'audit-log-maxage': a.audit?.logMaxAge,
          'audit-log-maxbackup': a.audit?.logMaxBackups,
          'audit-log-maxsize': a.audit?.logMaxSize,
          'audit-log-format': a.audit?.logFormat,
          'audit-webhook-config-file': a.audit?.webhookConfigFile,
          'audit-webhook-mode': a.audit?.webhookMode,
          'audit-webhook-batch-buffer-size': a.audit?.webhookBatchBufferSize,
          'audit-webhook-batch-max-size': a.audit?.webhookBatchMaxSize,
          'audit-webhook-batch-max-wait': a.audit?.webhookBatchMaxWait,
          'audit-webhook-batch-throttle-burst': a.audit?.webhookBatchThrottleBurst,
          'audit-webhook-batch-throttle-enable': a.audit?.webhookBatchThrottleEnable,
          'audit-webhook-batch-throttle-qps': a.audit?.webhookBatchThrottleQps,
          'audit-webhook-initial-backoff': a.audit?.webhookInitialBackoff,
          'feature-gates': mapFlag(a.featureGates),
          v: a.logLevel,
        }),
        // A repeated flag: the API server does not split its value at commas.
        ...Object.entries(a.oidcRequiredClaims ?? {}).map(([claim, value]) => `--oidc-required-claim=${claim}=${value}`),
      ],
      hostPaths: {
        ...(encryption === undefined ? pki : { ...pki, encryptionconfig: { path: ENCRYPTION_CONFIG_PATH, readOnly: true } }),
        ...webhooks.apiServer.hostPaths,
        ...auditHostPaths(a.audit),
      },
      ...resources(a, '150m'),
      probe: { host: node.address, port: API_PORT, path: '/livez', scheme: 'HTTPS' },
    }),
    [apiCert, kubeletClient, etcdClient, proxyClient, sa].map(idOf).concat([caFile('kubernetes-ca'), caFile('etcd-clients-ca'), caFile('apiserver-aggregator-ca'), `Directory/${MANIFEST_DIR}`, ...archiveOf(config, 'kube-apiserver'), ...(encryption === undefined ? [] : [encryption]), ...webhooks.apiServer.dependsOn, ...auditFiles]),
  );
  const cm = plane.controllerManager;
  const s = plane.scheduler;
  // An APIServer machine: the API server alone, on the control plane's etcd.
  if (config.role === 'APIServer' || cm === undefined || s === undefined) {
    return { tasks: [apiCert, kubeletClient, etcdClient, proxyClient, sa, ...webhooks.tasks, apiServer], healthChecks: [{ name: 'kube-apiserver', url: `http://${node.address}:${API_PORT}/healthz` }] };
  }
  const controllerManager = file(
    `${MANIFEST_DIR}/kube-controller-manager.yaml`,
    staticPodManifest({
      name: 'kube-controller-manager',
      image: image('kube-controller-manager'),
      env: proxyPodEnv(config),
      command: [
        'kube-controller-manager',
        ...flags({
          'bind-address': node.address,
          'secure-port': CM_PORT,
          kubeconfig: cmConf.name,
          'authentication-kubeconfig': cmConf.name,
          'authorization-kubeconfig': cmConf.name,
          'cluster-name': cm.clusterName,
          // None in an IPv6 cluster: nodes' pod ranges are prefixes of their interfaces, not cut from one range.
          'cluster-cidr': cm.clusterCIDR === '' ? undefined : cm.clusterCIDR,
          'allocate-node-cidrs': cm.allocateNodeCIDRs,
          'service-cluster-ip-range': cm.serviceClusterIPRange,
          'cluster-signing-cert-file': signer.desired.certificate,
          'cluster-signing-key-file': signer.desired.key,
          'root-ca-file': caPath('kubernetes-ca'),
          'service-account-private-key-file': sa.desired.key,
          'use-service-account-credentials': true,
          'leader-elect': true,
          'concurrent-node-syncs': cm.concurrentNodeSyncs,
          'concurrent-horizontal-pod-autoscaler-syncs': cm.concurrentHorizontalPodAutoscalerSyncs,
          'concurrent-job-syncs': cm.concurrentJobSyncs,
          'terminated-pod-gc-threshold': cm.terminatedPodGCThreshold,
          'horizontal-pod-autoscaler-sync-period': cm.horizontalPodAutoscalerSyncPeriod,
          'node-monitor-grace-period': cm.nodeMonitorGracePeriod,
          'feature-gates': mapFlag(cm.featureGates),
          v: cm.logLevel,
        }),
      ],
      hostPaths: { ...pki, kubeconfig: { path: cmConf.name, readOnly: true } },
      ...resources(cm, '100m'),
      probe: { host: node.address, port: CM_PORT, path: '/healthz', scheme: 'HTTPS' },
    }),
    [idOf(cmConf), idOf(signer), idOf(sa), caFile('kubernetes-ca'), `Directory/${MANIFEST_DIR}`, ...archiveOf(config, 'kube-controller-manager')],
  );
  // The cluster's KubeSchedulerConfiguration, merged over hoist's: a file beside the flags.
  const schedConfig = schedulerConfigFile(s.config, schedConf);
  const scheduler = file(
    `${MANIFEST_DIR}/kube-scheduler.yaml`,
    staticPodManifest({
      name: 'kube-scheduler',
      image: image('kube-scheduler'),
      env: proxyPodEnv(config),
      command: [
        'kube-scheduler',
        ...flags({
          'bind-address': node.address,
          'secure-port': SCHEDULER_PORT,
          kubeconfig: schedConf.name,
          'authentication-kubeconfig': schedConf.name,
          'authorization-kubeconfig': schedConf.name,
          'leader-elect': true,
          'feature-gates': mapFlag(s.featureGates),
          v: s.logLevel,
        }),
        ...(schedConfig === undefined ? [] : [schedConfig.flag]),
      ],
      hostPaths: { kubeconfig: { path: schedConf.name, readOnly: true }, ...(schedConfig === undefined ? {} : { config: schedConfig.hostPath }) },
      ...resources(s, '100m'),
      probe: { host: node.address, port: SCHEDULER_PORT, path: '/healthz', scheme: 'HTTPS' },
    }),
    [idOf(schedConf), `Directory/${MANIFEST_DIR}`, ...archiveOf(config, 'kube-scheduler'), ...(schedConfig === undefined ? [] : [idOf(schedConfig.task)])],
  );
  return {
    tasks: [apiCert, kubeletClient, etcdClient, proxyClient, sa, ...webhooks.tasks, signer, cmCert, schedCert, cmConf, schedConf, apiServer, controllerManager, ...(schedConfig === undefined ? [] : [schedConfig.task]), scheduler],
    healthChecks: [
      { name: 'kube-apiserver', url: `http://${node.address}:${API_PORT}/healthz` },
      { name: 'kube-controller-manager', url: `http://${node.address}:${CM_PORT}/healthz` },
      { name: 'kube-scheduler', url: `http://${node.address}:${SCHEDULER_PORT}/healthz` },
    ],
  };
}

/**
 * Where the API server finds etcd: on the control plane its own members; on an APIServer machine
 * the control plane's, at the client URLs they published (ModelInput.etcdServers), every member
 * listed so that one member's loss does not stop the API server.
 */
function etcdFlags(input: ModelInput): { servers?: string; overrides?: string } {
  const { config, node } = input;
  const plane = config.controlPlane;
  // The follower service (../etcd/follow.ts) rewrites these with the same function.
  if (config.role === 'APIServer') return remoteEtcdFlags((plane?.remoteEtcd ?? []).map((e) => e.name), input.etcdServers);
  const main = plane?.etcdClusters.find((e) => e.name === 'main') ?? plane?.etcdClusters[0];
  const events = plane?.etcdClusters.find((e) => e.name === 'events');
  return {
    servers: main === undefined ? undefined : `https://${node.address}:${main.clientPort}`,
    overrides: events === undefined ? undefined : `/events#https://${node.address}:${events.clientPort}`,
  };
}

export type { NodeupControlPlane };

/**
 * What the API server's audit settings need of the host inside its pod: the policy and the
 * webhook's kubeconfig (the user's files, spec.fileAssets: validated so), and the log's folder,
 * written to (`-` is the API server's standard output: nothing to mount).
 */
function auditHostPaths(audit: Readonly<Record<string, string>> | undefined): StaticPod['hostPaths'] {
  const logPath = audit?.['logPath'];
  return {
    ...(audit?.['policyFile'] === undefined ? {} : { auditpolicy: { path: audit['policyFile'], readOnly: true, type: 'File' as const } }),
    ...(audit?.['webhookConfigFile'] === undefined ? {} : { auditwebhookconfig: { path: audit['webhookConfigFile'], readOnly: true, type: 'File' as const } }),
    ...(logPath === undefined || !logPath.startsWith('/') ? {} : { auditlog: { path: dirname(logPath), readOnly: false, type: 'DirectoryOrCreate' as const } }),
  };
}
