/** kindnet: the smallest network plugin, routes to other nodes' pod ranges and masquerades; no overlay. */

import { accountWithClusterRole, daemonSet, EVERYWHERE, fieldEnv, hostPath, mount, READ, rule, workloadsOf } from '../objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';

export const KINDNET_VERSION = 'v20241212-9f82dd49';

export function kindnetAddon(ctx: AddonContext): AddonDefinition {
  const objects: KubeObject[] = [
    ...accountWithClusterRole('kindnet', [rule([''], ['nodes'], READ), rule([''], ['pods', 'namespaces'], READ), rule(['networking.k8s.io'], ['networkpolicies'], READ)]),
    daemonSet({
      name: 'kindnet',
      labels: { app: 'kindnet', 'k8s-app': 'kindnet' },
      pod: {
        hostNetwork: true,
        serviceAccountName: 'kindnet',
        tolerations: EVERYWHERE,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [{
          name: 'kindnet-cni',
          image: ctx.image(`docker.io/kindest/kindnetd:${KINDNET_VERSION}`),
          env: [fieldEnv('HOST_IP', 'status.hostIP'), fieldEnv('POD_IP', 'status.podIP'), { name: 'POD_SUBNET', value: ctx.podCIDR }],
          resources: { requests: { cpu: '100m', memory: '50Mi' }, limits: { cpu: '100m', memory: '50Mi' } },
          securityContext: { privileged: false, capabilities: { add: ['NET_RAW', 'NET_ADMIN'] } },
          volumeMounts: [mount('cni-cfg', '/etc/cni/net.d'), mount('xtables-lock', '/run/xtables.lock', false), mount('lib-modules', '/lib/modules', true)],
        }],
        volumes: [hostPath('cni-cfg', '/etc/cni/net.d', 'DirectoryOrCreate'), hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'), hostPath('lib-modules', '/lib/modules')],
      },
    }),
  ];
  return { name: 'kindnet', version: KINDNET_VERSION, objects, health: workloadsOf(objects) };
}
