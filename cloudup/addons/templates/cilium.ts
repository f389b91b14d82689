/**
 * Cilium's essential objects: the agent DaemonSet, the operator Deployment, their RBAC and the
 * cilium-config ConfigMap, the pods annotated as the spec says (kops's agentPodAnnotations and
 * operatorPodAnnotations). The operator registers Cilium's CRDs itself. Not included: Hubble,
 * the Envoy DaemonSet (the agent runs its embedded proxy) and kube-proxy replacement (hoist runs kube-proxy).
 */

import { accountWithClusterRole, ALL, configMap, daemonSet, deployment, EVERYWHERE, fieldEnv, hostPath, KUBE_SYSTEM, mount, ON_CONTROL_PLANE, READ, rule, workloadsOf } from '../objects.js';
import { isIpv6Cluster } from '../../../src/api/ipv6.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';

export const CILIUM_VERSION = '1.16.6';

/** Pods get IPv4 addresses of the node's range, carried between nodes in a VXLAN tunnel. */
const IPV4_ONLY = (podCIDR: string): Record<string, string> => ({
  'cluster-pool-ipv4-cidr': podCIDR,
  'routing-mode': 'tunnel',
  'tunnel-protocol': 'vxlan',
  'enable-ipv4': 'true',
  'enable-ipv6': 'false',
});

/**
 * An IPv6 cluster's pods, as kops's cilium runs them: IPv6 only, from the Node's pod range (its
 * machine's /80 prefix, which the VPC routes to the machine), so no tunnel (native routing, kops's
 * `tunnel: disabled` default there) and no masquerading: the addresses are the VPC's own.
 */
const IPV6_ONLY: Record<string, string> = {
  'routing-mode': 'native',
  'enable-ipv4': 'false',
  'enable-ipv6': 'true',
  'enable-ipv4-masquerade': 'false',
  'enable-ipv6-masquerade': 'false',
  'enable-bpf-masquerade': 'false',
  'auto-direct-node-routes': 'false',
};

export function ciliumAddon(ctx: AddonContext): AddonDefinition {
  const cilium = ctx.completed.cluster.spec.networking.cilium;
  const version = cilium?.version?.replace(/^v/, '') ?? CILIUM_VERSION;
  const env = [fieldEnv('K8S_NODE_NAME', 'spec.nodeName'), fieldEnv('CILIUM_K8S_NAMESPACE', 'metadata.namespace')];
  const ipv6 = isIpv6Cluster(ctx.completed.cluster.spec);
  const objects: KubeObject[] = [
    ...accountWithClusterRole('cilium', [
      rule(['networking.k8s.io'], ['networkpolicies'], READ),
      rule(['discovery.k8s.io'], ['endpointslices'], READ),
      rule([''], ['namespaces', 'services', 'pods', 'endpoints', 'nodes'], READ),
      rule([''], ['nodes/status', 'pods'], ['patch']),
      rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], READ),
      rule(['cilium.io'], ['*'], ALL),
    ]),
    ...accountWithClusterRole('cilium-operator', [
      rule([''], ['pods'], ['get', 'list', 'watch', 'delete']),
      rule([''], ['nodes', 'namespaces', 'services', 'endpoints'], READ),
      rule([''], ['nodes', 'nodes/status'], ['patch']),
      rule(['discovery.k8s.io'], ['endpointslices'], READ),
      rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['create', 'get', 'list', 'watch', 'update']),
      rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'update']),
      rule(['cilium.io'], ['*'], ALL),
    ]),
    configMap('cilium-config', KUBE_SYSTEM, {
      'cluster-name': ctx.cluster.replace(/\./g, '-').slice(0, 32),
      ipam: 'kubernetes',
      ...(ipv6 ? IPV6_ONLY : IPV4_ONLY(ctx.podCIDR)),
      'kube-proxy-replacement': 'false',
      'enable-hubble': 'false',
      'identity-allocation-mode': 'crd',
    }),
    daemonSet({
      name: 'cilium',
      podAnnotations: cilium?.agentPodAnnotations ?? {},
      pod: {
        hostNetwork: true,
        serviceAccountName: 'cilium',
        tolerations: EVERYWHERE,
        initContainers: [{ name: 'install-cni-binaries', image: ctx.image(`quay.io/cilium/cilium:v${version}`), command: ['/install-plugin.sh'], volumeMounts: [mount('cni-path', '/host/opt/cni/bin')] }],
        containers: [{
          name: 'cilium-agent',
          image: ctx.image(`quay.io/cilium/cilium:v${version}`),
          command: ['cilium-agent'],
          args: ['--config-dir=/tmp/cilium/config-map'],
          env,
          securityContext: { privileged: true },
          // The agent serves its health on the loopback of each family it runs (only ::1 with IPv4 off).
          readinessProbe: { httpGet: { host: ipv6 ? '::1' : '127.0.0.1', path: '/healthz', port: 9879 } },
          volumeMounts: [mount('cilium-config-path', '/tmp/cilium/config-map', true), mount('cilium-run', '/var/run/cilium'), mount('etc-cni-netd', '/host/etc/cni/net.d'), mount('lib-modules', '/lib/modules', true), mount('xtables-lock', '/run/xtables.lock'), mount('bpf-maps', '/sys/fs/bpf')],
        }],
        volumes: [
          { name: 'cilium-config-path', configMap: { name: 'cilium-config' } },
          hostPath('cilium-run', '/var/run/cilium', 'DirectoryOrCreate'),
          hostPath('cni-path', '/opt/cni/bin', 'DirectoryOrCreate'),
          hostPath('etc-cni-netd', '/etc/cni/net.d', 'DirectoryOrCreate'),
          hostPath('lib-modules', '/lib/modules'),
          hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
          hostPath('bpf-maps', '/sys/fs/bpf', 'DirectoryOrCreate'),
        ],
      },
    }),
    deployment({
      name: 'cilium-operator',
      podAnnotations: cilium?.operatorPodAnnotations ?? {},
      pod: {
        hostNetwork: true,
        serviceAccountName: 'cilium-operator',
        ...ON_CONTROL_PLANE,
        containers: [{
          name: 'cilium-operator',
          image: ctx.image(`quay.io/cilium/operator-generic:v${version}`),
          command: ['cilium-operator-generic'],
          args: ['--config-dir=/tmp/cilium/config-map'],
          env,
          volumeMounts: [mount('cilium-config-path', '/tmp/cilium/config-map', true)],
        }],
        volumes: [{ name: 'cilium-config-path', configMap: { name: 'cilium-config' } }],
      },
    }),
  ];
  return { name: 'cilium', version, objects, health: workloadsOf(objects) };
}
