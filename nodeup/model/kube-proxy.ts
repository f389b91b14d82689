/** kube-proxy, as a static pod on every node (as kops runs it), with its configuration and credentials. */

import { stringify } from 'yaml';
import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { kubeProxyCertRequest } from '../../src/pki/requests.js';
import { archiveOf } from './assets.js';
import { copied, issued, kubeconfig } from './pki.js';
import { staticPodManifest } from './static-pod.js';
import type { HealthCheck, ModelInput } from './types.js';
import { KUBE_PROXY_DIR, MANIFEST_DIR, file, flags, mapFlag } from './types.js';

export const KUBE_PROXY_HEALTH_PORT = 10256;

export function kubeProxyTasks(input: ModelInput): { tasks: Task[]; healthChecks: HealthCheck[] } {
  const { config, node } = input;
  const p = config.kubeProxy;
  if (!p.enabled) return { tasks: [], healthChecks: [] };
  const paths = { certificate: `${KUBE_PROXY_DIR}/kube-proxy.crt`, key: `${KUBE_PROXY_DIR}/kube-proxy.key` };
  const cert = config.role === 'ControlPlane' || config.role === 'APIServer' ? issued(input, 'kube-proxy', 'kubernetes-ca', kubeProxyCertRequest(), paths) : copied(input, 'kube-proxy', 'credential/kube-proxy', paths);
  const kc = kubeconfig(`${KUBE_PROXY_DIR}/kubeconfig`, { server: config.apiServer, cluster: config.cluster, user: 'system:kube-proxy', cert });
  const configPath = `${KUBE_PROXY_DIR}/config.yaml`;
  const conf = file(
    configPath,
    stringify(
      {
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        bindAddress: node.address,
        clientConnection: { kubeconfig: `${KUBE_PROXY_DIR}/kubeconfig` },
        clusterCIDR: p.clusterCIDR,
        healthzBindAddress: `${node.address}:${KUBE_PROXY_HEALTH_PORT}`,
        metricsBindAddress: p.metricsBindAddress ?? `${node.address}:10249`,
        mode: p.proxyMode,
        ...(p.featureGates === undefined ? {} : { featureGates: Object.fromEntries(Object.entries(p.featureGates).map(([g, v]) => [g, v === 'true'])) }),
      },
      { lineWidth: 0 },
    ),
  );
  const manifest = file(
    `${MANIFEST_DIR}/kube-proxy.yaml`,
    staticPodManifest({
      name: 'kube-proxy',
      image: `${config.imageRegistry}/kube-proxy:v${config.kubernetesVersion}`,
      command: ['kube-proxy', ...flags({ config: configPath, 'hostname-override': node.nodeName, 'feature-gates': mapFlag(p.featureGates), v: p.logLevel })],
      hostPaths: { kubeproxy: { path: KUBE_PROXY_DIR, readOnly: true }, modules: { path: '/lib/modules', readOnly: true } },
      requests: { cpu: '100m' },
      probe: { host: node.address, port: KUBE_PROXY_HEALTH_PORT, path: '/healthz', scheme: 'HTTP' },
      priorityClassName: 'system-node-critical',
    }),
    [idOf(conf), idOf(kc), `Directory/${MANIFEST_DIR}`, ...archiveOf(config, 'kube-proxy')],
  );
  return {
    tasks: [cert, kc, conf, manifest],
    healthChecks: [{ name: 'kube-proxy', url: `http://${node.address}:${KUBE_PROXY_HEALTH_PORT}/healthz` }],
  };
}
