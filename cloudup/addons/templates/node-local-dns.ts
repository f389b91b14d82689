/**
 * NodeLocal DNSCache (spec.kubeDNS.nodeLocalDNS): a node-local-dns pod on every node, on the
 * host network, answers the node's pods at the local address their kubelet names as clusterDNS
 * and caches what CoreDNS answers. It reaches CoreDNS through its own Service
 * (kube-dns-upstream, the same pods as kube-dns), whose address node-cache writes in place of
 * `__PILLAR__CLUSTER__DNS__` when it starts; `__PILLAR__UPSTREAM__SERVERS__` becomes the node's
 * own nameservers. Under IPVS, where that Service's address cannot be reached from the node's
 * dummy interface, it forwards to kube-dns's address instead, as kops does.
 */

import { kubeDNSSettings } from '../../../src/api/kube-dns.js';
import type { NodeLocalDNSSettings } from '../../../src/api/kube-dns.js';
import { configMap, daemonSet, KUBE_SYSTEM, serviceAccount, workloadsOf } from '../objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';

/** Its health endpoint, on the local address: a port of its own, as the pod shares the node's network. */
export const NODE_LOCAL_DNS_HEALTH_PORT = 3989;
const METRICS_PORT = 9253;

/** The Corefile: the cluster domain and reverse zones to CoreDNS, the rest to CoreDNS or the node's nameservers. */
export function nodeLocalCorefile(local: NodeLocalDNSSettings, domain: string, cluster: string): string {
  const block = (zone: string, cache: readonly string[], forward: string, tcp: boolean, extra: readonly string[] = []) => [
    `${zone}:53 {`,
    '    errors',
    ...cache,
    '    reload',
    '    loop',
    `    bind ${local.localIP}`,
    ...(tcp ? [`    forward . ${forward} {`, '        force_tcp', '    }'] : [`    forward . ${forward}`]),
    `    prometheus :${METRICS_PORT}`,
    ...extra,
    '}',
  ];
  const short = ['    cache 30'];
  return [
    ...block(domain, ['    cache {', '        success 9984 30', '        denial 9984 5', '    }'], cluster, true, [`    health ${hostPort(local.localIP, NODE_LOCAL_DNS_HEALTH_PORT)}`]),
    ...block('in-addr.arpa', short, cluster, true),
    ...block('ip6.arpa', short, cluster, true),
    ...(local.forwardToKubeDNS ? block('.', short, cluster, true) : block('.', short, '__PILLAR__UPSTREAM__SERVERS__', false)),
    '',
  ].join('\n');
}

/** The tag of an image reference (`latest` when it has none): the addon's version. */
function imageTag(image: string): string {
  const named = image.split('@')[0] ?? image;
  const colon = named.lastIndexOf(':');
  return colon > named.lastIndexOf('/') ? named.slice(colon + 1) : 'latest';
}

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export function nodeLocalDNSAddon(ctx: AddonContext): AddonDefinition {
  const spec = ctx.completed.cluster.spec;
  const dns = kubeDNSSettings(spec);
  const local = dns.nodeLocalDNS;
  if (local === undefined) throw new Error('node-local-dns rendered while spec.kubeDNS.nodeLocalDNS is off');
  // node-cache resolves the placeholder to kube-dns-upstream's address; under IPVS it is kube-dns's own.
  const cluster = spec.kubeProxy?.proxyMode === 'ipvs' ? dns.serverIP : '__PILLAR__CLUSTER__DNS__';
  const ds = daemonSet({
    name: 'node-local-dns',
    pod: {
      serviceAccountName: 'node-local-dns',
      hostNetwork: true,
      // Its own queries go to the node's nameservers, never to itself.
      dnsPolicy: 'Default',
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { operator: 'Exists', effect: 'NoExecute' }, { operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{
        name: 'node-cache',
        image: ctx.image(local.image),
        args: [`-localip=${local.localIP}`, '-conf=/etc/Corefile', '-upstreamsvc=kube-dns-upstream'],
        resources: { requests: { cpu: local.cpuRequest, memory: local.memoryRequest } },
        // It adds the local address to a dummy interface and its iptables rules to the node.
        securityContext: { privileged: true },
        ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }, { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
        livenessProbe: { httpGet: { host: local.localIP, path: '/health', port: NODE_LOCAL_DNS_HEALTH_PORT }, initialDelaySeconds: 60, timeoutSeconds: 5 },
        volumeMounts: [
          { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
          { name: 'config-volume', mountPath: '/etc/coredns' },
          { name: 'kube-dns-config', mountPath: '/etc/kube-dns' },
        ],
      }],
      volumes: [
        { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
        { name: 'kube-dns-config', configMap: { name: 'kube-dns', optional: true } },
        { name: 'config-volume', configMap: { name: 'node-local-dns', items: [{ key: 'Corefile', path: 'Corefile.base' }] } },
      ],
    },
  });
  const annotations = { 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/scrape': 'true', ...local.podAnnotations };
  const template = (ds['spec'] as { template: { metadata: Record<string, unknown>; spec: unknown } }).template;
  const daemon: KubeObject = {
    ...ds,
    spec: { ...(ds['spec'] as object), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } }, template: { ...template, metadata: { ...template.metadata, annotations } } },
  };
  const upstream: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns-upstream', namespace: KUBE_SYSTEM, labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'KubeDNSUpstream' } },
    spec: {
      selector: { 'k8s-app': 'kube-dns' },
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
    },
  };
  const objects: KubeObject[] = [
    serviceAccount('node-local-dns'),
    upstream,
    configMap('node-local-dns', KUBE_SYSTEM, { Corefile: nodeLocalCorefile(local, dns.domain, cluster) }),
    daemon,
  ];
  return { name: 'node-local-dns', version: imageTag(local.image), objects, health: workloadsOf(objects) };
}
