/**
 * Calico's essential objects on the Kubernetes datastore: its CRDs (calico-crds.ts), the
 * calico-node DaemonSet (with its CNI install), the calico-kube-controllers Deployment, their
 * RBAC and the calico-config ConfigMap. Not included: Typha (for clusters past ~50 nodes).
 */

import { accountWithClusterRole, ALL, configMap, daemonSet, deployment, EVERYWHERE, fieldEnv, hostPath, KUBE_SYSTEM, mount, ON_CONTROL_PLANE, READ, rule, workloadsOf } from '../objects.js';
import { isIpv6Cluster } from '../../../src/api/ipv6.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';
import { calicoCrds } from './calico-crds.js';

export const CALICO_VERSION = '3.29.1';

/** Pods get IPv4 addresses of the node's range; BGP between nodes, IP-in-IP across subnets. */
function ipv4Node(podCIDR: string): readonly Record<string, unknown>[] {
  return [
    { name: 'CALICO_NETWORKING_BACKEND', value: 'bird' },
    { name: 'CLUSTER_TYPE', value: 'k8s,bgp' },
    { name: 'IP', value: 'autodetect' },
    { name: 'CALICO_IPV4POOL_IPIP', value: 'CrossSubnet' },
    { name: 'CALICO_IPV4POOL_CIDR', value: podCIDR },
    { name: 'FELIX_IPINIPMTU', valueFrom: { configMapKeyRef: { name: 'calico-config', key: 'veth_mtu' } } },
  ];
}

/**
 * An IPv6 cluster's pods, as kops's calico runs them: IPv6 only, from the Node's pod range (its
 * machine's /80 prefix, which the VPC routes to the machine), so no BGP and no encapsulation
 * (kops's `encapsulationMode: none`), no IP pools of calico's own and no NAT out.
 */
const IPV6_IPAM = { type: 'host-local', assign_ipv4: 'false', assign_ipv6: 'true', ranges: [[{ subnet: 'usePodCidrIPv6' }]] };
const IPV6_NODE: readonly Record<string, unknown>[] = [
  { name: 'CALICO_NETWORKING_BACKEND', value: 'none' },
  { name: 'CLUSTER_TYPE', value: 'k8s,bgp' },
  { name: 'IP', value: 'none' },
  { name: 'IP6', value: 'autodetect' },
  { name: 'IP6_AUTODETECTION_METHOD', value: 'first-found' },
  { name: 'USE_POD_CIDR', value: 'true' },
  { name: 'CALICO_ROUTER_ID', value: 'hash' },
  { name: 'NO_DEFAULT_POOLS', value: 'true' },
  { name: 'FELIX_IPV6SUPPORT', value: 'true' },
];

export function calicoAddon(ctx: AddonContext): AddonDefinition {
  const version = ctx.completed.cluster.spec.networking.calico?.version?.replace(/^v/, '') ?? CALICO_VERSION;
  const image = (name: string) => ctx.image(`docker.io/calico/${name}:v${version}`);
  const ipv6 = isIpv6Cluster(ctx.completed.cluster.spec);
  const cni = {
    name: 'k8s-pod-network',
    cniVersion: '0.3.1',
    plugins: [
      { type: 'calico', datastore_type: 'kubernetes', nodename: '__KUBERNETES_NODE_NAME__', mtu: '__CNI_MTU__', ipam: ipv6 ? IPV6_IPAM : { type: 'host-local', subnet: 'usePodCidr' }, policy: { type: 'k8s' }, kubernetes: { kubeconfig: '__KUBECONFIG_FILEPATH__' } },
      { type: 'portmap', snat: true, capabilities: { portMappings: true } },
    ],
  };
  const objects: KubeObject[] = [
    ...calicoCrds(),
    configMap('calico-config', KUBE_SYSTEM, { veth_mtu: '0', cni_network_config: JSON.stringify(cni, null, 2) }),
    ...accountWithClusterRole('calico-node', [
      rule([''], ['pods', 'nodes', 'namespaces', 'services', 'endpoints', 'configmaps', 'serviceaccounts'], READ),
      rule([''], ['nodes/status', 'pods/status'], ['patch', 'update']),
      rule(['discovery.k8s.io'], ['endpointslices'], READ),
      rule(['networking.k8s.io'], ['networkpolicies'], READ),
      rule(['crd.projectcalico.org'], ['*'], ALL),
      rule(['policy.networking.k8s.io'], ['adminnetworkpolicies'], READ),
    ]),
    ...accountWithClusterRole('calico-kube-controllers', [
      rule([''], ['nodes', 'pods', 'namespaces', 'serviceaccounts'], READ),
      rule(['crd.projectcalico.org'], ['*'], ALL),
      rule(['policy.networking.k8s.io'], ['adminnetworkpolicies'], READ),
    ]),
    daemonSet({
      name: 'calico-node',
      pod: {
        hostNetwork: true,
        serviceAccountName: 'calico-node',
        tolerations: EVERYWHERE,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        initContainers: [{
          name: 'install-cni',
          image: image('cni'),
          command: ['/opt/cni/bin/install'],
          env: [{ name: 'CNI_CONF_NAME', value: '10-calico.conflist' }, { name: 'CNI_NETWORK_CONFIG', valueFrom: { configMapKeyRef: { name: 'calico-config', key: 'cni_network_config' } } }, fieldEnv('KUBERNETES_NODE_NAME', 'spec.nodeName'), { name: 'CNI_MTU', valueFrom: { configMapKeyRef: { name: 'calico-config', key: 'veth_mtu' } } }],
          securityContext: { privileged: true },
          volumeMounts: [mount('cni-bin-dir', '/host/opt/cni/bin'), mount('cni-net-dir', '/host/etc/cni/net.d')],
        }],
        containers: [{
          name: 'calico-node',
          image: image('node'),
          env: [
            { name: 'DATASTORE_TYPE', value: 'kubernetes' },
            fieldEnv('NODENAME', 'spec.nodeName'),
            ...(ipv6 ? IPV6_NODE : ipv4Node(ctx.podCIDR)),
            { name: 'CALICO_DISABLE_FILE_LOGGING', value: 'true' },
            { name: 'FELIX_DEFAULTENDPOINTTOHOSTACTION', value: 'ACCEPT' },
            { name: 'FELIX_HEALTHENABLED', value: 'true' },
          ],
          securityContext: { privileged: true },
          resources: { requests: { cpu: '250m' } },
          // Without BGP (IPv6) there is no BIRD to ask.
          readinessProbe: { exec: { command: ['/bin/calico-node', '-felix-ready', ...(ipv6 ? [] : ['-bird-ready'])] }, periodSeconds: 10 },
          volumeMounts: [mount('lib-modules', '/lib/modules', true), mount('xtables-lock', '/run/xtables.lock'), mount('var-run-calico', '/var/run/calico'), mount('var-lib-calico', '/var/lib/calico')],
        }],
        volumes: [
          hostPath('lib-modules', '/lib/modules'),
          hostPath('var-run-calico', '/var/run/calico', 'DirectoryOrCreate'),
          hostPath('var-lib-calico', '/var/lib/calico', 'DirectoryOrCreate'),
          hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
          hostPath('cni-bin-dir', '/opt/cni/bin', 'DirectoryOrCreate'),
          hostPath('cni-net-dir', '/etc/cni/net.d'),
        ],
      },
    }),
    deployment({
      name: 'calico-kube-controllers',
      pod: {
        serviceAccountName: 'calico-kube-controllers',
        ...ON_CONTROL_PLANE,
        containers: [{ name: 'calico-kube-controllers', image: image('kube-controllers'), env: [{ name: 'ENABLED_CONTROLLERS', value: 'node' }, { name: 'DATASTORE_TYPE', value: 'kubernetes' }] }],
      },
    }),
  ];
  return { name: 'calico', version, objects, health: workloadsOf(objects) };
}
