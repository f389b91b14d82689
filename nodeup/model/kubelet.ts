/**
 * The kubelet: its KubeletConfiguration, its credentials (on a worker, a bootstrap kubeconfig
 * with its group's bootstrap token, from which the kubelet gets its own certificate through the
 * TLS bootstrap; on the control plane, a client certificate issued here), the static pod
 * folder, and its service.
 */

import { stringify } from 'yaml';
import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { kubeletCertRequest } from '../../src/pki/requests.js';
import { archiveOf } from './assets.js';
import { CONTAINERD_SOCKET } from './containerd.js';
import { caFile, issued, kubeconfig } from './pki.js';
import type { HealthCheck, ModelInput } from './types.js';
import { bootstrapKubeconfigTask } from '../tasks/bootstrap-kubeconfig.js';
import { directoryTask } from '../tasks/directory.js';
import { serviceTask } from '../tasks/service.js';
import { BIN_DIR, KUBELET_DIR, MANIFEST_DIR, after, caPath, file, flags, hashOf, mapFlag } from './types.js';
import { proxyEnvFile, proxyUnitLines } from './egress-proxy.js';

export const KUBELET_CONFIG = `${KUBELET_DIR}/config.yaml`;
export const KUBELET_KUBECONFIG = `${KUBELET_DIR}/kubeconfig`;
export const BOOTSTRAP_KUBECONFIG = `${KUBELET_DIR}/bootstrap-kubeconfig`;
/** Where the kubelet keeps the certificate the TLS bootstrap gave it (the real kubelet's --cert-dir default). */
export const KUBELET_CERT_DIR = `${KUBELET_DIR}/pki`;
const BOOTSTRAP_TOKEN = 'credential/kubelet-bootstrap';
export const KUBELET_HEALTH_PORT = 10248;

/** `memory.available<100Mi,nodefs.available<10%` as KubeletConfiguration's map. */
function evictionMap(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const entries = text.split(',').map((p) => /^\s*([^<\s]+)\s*<\s*(\S+)\s*$/.exec(p)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!] as const);
  return Object.fromEntries(entries);
}

/** `key=value:Effect` (or `key:Effect`) as a Taint. */
function taint(text: string): Record<string, string> {
  const [kv = '', effect = ''] = text.split(':');
  const [key = '', value] = kv.split('=');
  return { key, ...(value ? { value } : {}), effect };
}

export function kubeletConfiguration({ config, node }: ModelInput): string {
  const k = config.kubelet;
  const doc = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: k.anonymousAuth }, webhook: { enabled: true }, x509: { clientCAFile: caPath('kubernetes-ca') } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'systemd',
    clusterDNS: [k.clusterDNS],
    clusterDomain: k.clusterDomain,
    containerRuntimeEndpoint: CONTAINERD_SOCKET,
    healthzBindAddress: node.address,
    healthzPort: KUBELET_HEALTH_PORT,
    staticPodPath: MANIFEST_DIR,
    rotateCertificates: true,
    ...(k.maxPods === undefined ? {} : { maxPods: k.maxPods }),
    ...(k.podPidsLimit === undefined ? {} : { podPidsLimit: k.podPidsLimit }),
    ...(k.evictionHard === undefined ? {} : { evictionHard: evictionMap(k.evictionHard) }),
    ...(k.kubeReserved === undefined ? {} : { kubeReserved: k.kubeReserved }),
    ...(k.systemReserved === undefined ? {} : { systemReserved: k.systemReserved }),
    ...(k.imageGCHighThresholdPercent === undefined ? {} : { imageGCHighThresholdPercent: k.imageGCHighThresholdPercent }),
    ...(k.imageGCLowThresholdPercent === undefined ? {} : { imageGCLowThresholdPercent: k.imageGCLowThresholdPercent }),
    ...(k.featureGates === undefined ? {} : { featureGates: Object.fromEntries(Object.entries(k.featureGates).map(([g, v]) => [g, v === 'true'])) }),
    ...(k.taints.length === 0 ? {} : { registerWithTaints: k.taints.map(taint) }),
  };
  return stringify(doc, { lineWidth: 0 });
}

export function kubeletTasks(input: ModelInput): { tasks: Task[]; healthChecks: HealthCheck[] } {
  const { config, node } = input;
  // An APIServer machine reads the cluster CA's key as the control plane does: it issues its own.
  const plane = config.role === 'ControlPlane' || config.role === 'APIServer';
  // A worker holds only its group's bootstrap token: the kubelet asks the API server for its
  // own certificate with it (a CSR the controller manager approves and signs) and writes the
  // real kubeconfig itself.
  const cert = plane
    ? issued(input, 'kubelet', 'kubernetes-ca', kubeletCertRequest(node.nodeName), { certificate: `${KUBELET_DIR}/pki/kubelet-client.crt`, key: `${KUBELET_DIR}/pki/kubelet-client.key` })
    : undefined;
  const kc =
    cert !== undefined
      ? kubeconfig(KUBELET_KUBECONFIG, { server: config.apiServer, cluster: config.cluster, user: `system:node:${node.nodeName}`, cert })
      : bootstrapKubeconfigTask(
          BOOTSTRAP_KUBECONFIG,
          {
            server: config.apiServer,
            cluster: config.cluster,
            user: 'kubelet-bootstrap',
            certificateAuthority: caPath('kubernetes-ca'),
            tokenOf: BOOTSTRAP_TOKEN,
            fingerprint: input.pki.token(BOOTSTRAP_TOKEN).fingerprint,
          },
          after([caFile('kubernetes-ca')]),
        );
  const conf = file(KUBELET_CONFIG, kubeletConfiguration(input));
  const manifests = directoryTask(MANIFEST_DIR, { mode: '0755' });
  const args = [
    `${BIN_DIR}/kubelet`,
    ...flags({
      config: KUBELET_CONFIG,
      kubeconfig: KUBELET_KUBECONFIG,
      'bootstrap-kubeconfig': plane ? undefined : BOOTSTRAP_KUBECONFIG,
      'node-ip': config.kubelet.nodeIP ?? node.address,
      'hostname-override': node.nodeName,
      'node-labels': mapFlag(config.kubelet.nodeLabels),
      v: config.kubelet.logLevel,
    }),
  ];
  const unit = [
    '[Unit]',
    'Description=Kubernetes kubelet',
    'After=containerd.service',
    'Wants=containerd.service',
    '',
    '[Service]',
    `ExecStart=${args.join(' ')}`,
    ...proxyUnitLines(config),
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  // The kubelet's credential providers and image pulls through spec.egressProxy.
  const proxy = proxyEnvFile(config);
  const service = serviceTask(
    'kubelet.service',
    { unit, enabled: true, running: true, restartOn: proxy === undefined ? hashOf(conf.desired, kc.desired, cert?.desired) : hashOf(conf.desired, kc.desired, cert?.desired, proxy.desired) },
    after([idOf(conf), idOf(kc), idOf(manifests), ...(proxy === undefined ? [] : [idOf(proxy)]), caFile('kubernetes-ca'), 'Service/containerd.service', ...archiveOf(config, 'kubelet')]),
  );
  return {
    tasks: [...(cert === undefined ? [] : [cert]), kc, conf, manifests, service],
    healthChecks: [{ name: 'kubelet', url: `http://${node.address}:${KUBELET_HEALTH_PORT}/healthz` }],
  };
}
