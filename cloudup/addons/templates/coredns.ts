/** CoreDNS, serving cluster DNS at the address every kubelet's clusterDNS names. */

import { accountSubject, clusterRole, clusterRoleBinding, configMap, deployment, KUBE_SYSTEM, rule, serviceAccount, workloadsOf } from '../objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';

export const COREDNS_VERSION = '1.12.0';

export function corednsAddon(ctx: AddonContext): AddonDefinition {
  const corefile = [
    '.:53 {',
    '    errors',
    '    health {',
    '        lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes ${ctx.clusterDomain} in-addr.arpa ip6.arpa {`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '        ttl 30',
    '    }',
    '    prometheus :9153',
    '    forward . /etc/resolv.conf {',
    '        max_concurrent 1000',
    '    }',
    '    cache 30',
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
  const labels = { 'k8s-app': 'kube-dns' };
  const ports = [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }];
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: KUBE_SYSTEM, labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
    spec: { selector: labels, clusterIP: ctx.clusterDNS, ports: ports.map((p) => ({ ...p, targetPort: p.port })) },
  };
  const objects: KubeObject[] = [
    serviceAccount('coredns'),
    clusterRole('system:coredns', [rule([''], ['endpoints', 'services', 'pods', 'namespaces'], ['list', 'watch']), rule(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch'])]),
    clusterRoleBinding('system:coredns', 'system:coredns', [accountSubject('coredns')]),
    configMap('coredns', KUBE_SYSTEM, { Corefile: corefile }),
    deployment({
      name: 'coredns',
      labels,
      replicas: 2,
      pod: {
        serviceAccountName: 'coredns',
        dnsPolicy: 'Default',
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [{
          name: 'coredns',
          image: ctx.image(`registry.k8s.io/coredns/coredns:v${COREDNS_VERSION}`),
          args: ['-conf', '/etc/coredns/Corefile'],
          resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
          ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }, { name: 'metrics', containerPort: 9153, protocol: 'TCP' }],
          volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
          livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 60, timeoutSeconds: 5 },
          readinessProbe: { httpGet: { path: '/ready', port: 8181 } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, readOnlyRootFilesystem: true },
        }],
        volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
      },
    }),
    service,
  ];
  return { name: 'coredns', version: COREDNS_VERSION, objects, health: workloadsOf(objects) };
}

