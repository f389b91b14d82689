/** flannel with its vxlan overlay: pods reach each other across subnets and zones with no cloud routes. */

import { accountWithClusterRole, configMap, daemonSet, EVERYWHERE, fieldEnv, hostPath, KUBE_SYSTEM, mount, rule, workloadsOf } from '../objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../types.js';

export const FLANNEL_VERSION = '0.27.4';
const CNI_PLUGIN = 'v1.8.0-flannel1';

export function flannelAddon(ctx: AddonContext): AddonDefinition {
  const cni = {
    name: 'cbr0',
    cniVersion: '0.3.1',
    plugins: [{ type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } }, { type: 'portmap', capabilities: { portMappings: true } }],
  };
  const net = { Network: ctx.podCIDR, EnableNFTables: false, Backend: { Type: 'vxlan' } };
  const image = ctx.image(`ghcr.io/flannel-io/flannel:v${FLANNEL_VERSION}`);
  const objects: KubeObject[] = [
    ...accountWithClusterRole('flannel', [rule([''], ['pods'], ['get']), rule([''], ['nodes'], ['get', 'list', 'watch']), rule([''], ['nodes/status'], ['patch'])]),
    configMap('kube-flannel-cfg', KUBE_SYSTEM, { 'cni-conf.json': `${JSON.stringify(cni, null, 2)}\n`, 'net-conf.json': `${JSON.stringify(net, null, 2)}\n` }),
    daemonSet({
      name: 'kube-flannel-ds',
      labels: { app: 'flannel', 'k8s-app': 'flannel' },
      pod: {
        hostNetwork: true,
        serviceAccountName: 'flannel',
        tolerations: EVERYWHERE,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        initContainers: [
          { name: 'install-cni-plugin', image: ctx.image(`ghcr.io/flannel-io/flannel-cni-plugin:${CNI_PLUGIN}`), command: ['cp'], args: ['-f', '/flannel', '/opt/cni/bin/flannel'], volumeMounts: [mount('cni-plugin', '/opt/cni/bin')] },
          { name: 'install-cni', image, command: ['cp'], args: ['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'], volumeMounts: [mount('cni', '/etc/cni/net.d'), mount('flannel-cfg', '/etc/kube-flannel/')] },
        ],
        containers: [{
          name: 'kube-flannel',
          image,
          command: ['/opt/bin/flanneld'],
          args: ['--ip-masq', '--kube-subnet-mgr'],
          env: [fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_NAMESPACE', 'metadata.namespace'), { name: 'EVENT_QUEUE_DEPTH', value: '5000' }],
          resources: { requests: { cpu: '100m', memory: '50Mi' } },
          securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
          volumeMounts: [mount('run', '/run/flannel'), mount('flannel-cfg', '/etc/kube-flannel/'), mount('xtables-lock', '/run/xtables.lock')],
        }],
        volumes: [
          hostPath('run', '/run/flannel'),
          hostPath('cni-plugin', '/opt/cni/bin'),
          hostPath('cni', '/etc/cni/net.d'),
          { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
          hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
        ],
      },
    }),
  ];
  return { name: 'flannel', version: FLANNEL_VERSION, objects, health: workloadsOf(objects) };
}
