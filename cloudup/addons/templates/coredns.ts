/**
 * CoreDNS, serving cluster DNS at the kube-dns Service's address (spec.kubeDNS.serverIP): what
 * every kubelet's clusterDNS names, or what node-local-dns forwards to when it runs.
 */

import { kubeDNSSettings } from '../../../src/api/kube-dns.js';
import type { KubeDNSSettings } from '../../../src/api/kube-dns.js';
import { accountSubject, clusterRole, clusterRoleBinding, configMap, deployment, KUBE_SYSTEM, rule, serviceAccount, workloadsOf } from '../objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';

export const COREDNS_VERSION = '1.12.0';

/**
 * The Corefile: spec.kubeDNS.externalCoreFile as written, else the cluster domain, names outside
 * it forwarded to upstreamNameservers (the node's /etc/resolv.conf by default), then one server
 * block per stub zone, forwarded to its own nameservers, as kops writes them.
 */
export function corefileOf(dns: KubeDNSSettings): string {
  if (dns.externalCoreFile !== undefined) return dns.externalCoreFile.endsWith('\n') ? dns.externalCoreFile : `${dns.externalCoreFile}\n`;
  const upstream = dns.upstreamNameservers.length > 0 ? dns.upstreamNameservers.join(' ') : '/etc/resolv.conf';
  const stubs = Object.entries(dns.stubDomains).flatMap(([zone, servers]) => [
    `${zone.replace(/\.$/, '')}:53 {`,
    '    errors',
    '    cache 30',
    '    loop',
    `    forward . ${servers.join(' ')}`,
    '}',
  ]);
  return [
    '.:53 {',
    '    errors',
    '    health {',
    '        lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes ${dns.domain} in-addr.arpa ip6.arpa {`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '        ttl 30',
    '    }',
    '    prometheus :9153',
    `    forward . ${upstream} {`,
    '        max_concurrent 1000',
    '    }',
    '    cache 30',
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    ...stubs,
    '',
  ].join('\n');
}

export function corednsAddon(ctx: AddonContext): AddonDefinition {
  const dns = kubeDNSSettings(ctx.completed.cluster.spec);
  const corefile = corefileOf(dns);
  const labels = { 'k8s-app': 'kube-dns' };
  const ports = [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }];
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: KUBE_SYSTEM, labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
    spec: { selector: labels, clusterIP: dns.serverIP, ports: ports.map((p) => ({ ...p, targetPort: p.port })) },
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
        tolerations: dns.tolerations,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [{
          name: 'coredns',
          image: ctx.image(`registry.k8s.io/coredns/coredns:v${COREDNS_VERSION}`),
          args: ['-conf', '/etc/coredns/Corefile'],
          resources: { limits: { memory: dns.memoryLimit }, requests: { cpu: dns.cpuRequest, memory: dns.memoryRequest } },
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

