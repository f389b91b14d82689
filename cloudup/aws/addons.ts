/**
 * What AWS adds to a cluster's addons: the AWS cloud-controller-manager (the kubelets run with
 * --cloud-provider=external), the EBS CSI driver with a gp3 StorageClass, the Amazon VPC CNI as a
 * network plugin (spec.networking.amazonvpc), and cluster-autoscaler's driver for Auto Scaling
 * groups. spec.cloudConfig turns the EBS CSI driver (awsEBSCSIDriver.enabled) or its StorageClass
 * (manageStorageClasses) off. The control-plane role's IAM policy grants what the first two need (model/iam-policies.ts).
 * Last, the identity webhooks the spec turns on: aws-iam-authenticator (spec.authentication.aws,
 * ./iam-authenticator.ts) and the pod identity webhook (spec.podIdentityWebhook, ./pod-identity-webhook.ts),
 * then aws-node-termination-handler (spec.nodeTerminationHandler, ./node-termination-handler.ts).
 */

import { accountSubject, accountWithClusterRole, ALL, daemonSet, deployment, EVERYWHERE, fieldEnv, hostPath, KUBE_SYSTEM, mount, ON_CONTROL_PLANE, READ, roleBinding, rule, serviceAccount, workloadsOf, clusterRole, clusterRoleBinding } from '../addons/objects.js';
import type { AddonContext, AddonDefinition, CloudAddons, KubeObject } from '../addons/types.js';
import { regionOfZone } from '../../src/api/zones.js';
import { cloudConfigSettings } from '../../src/api/auth-cloud.js';
import { isIpv6Cluster } from '../../src/api/ipv6.js';
import { podIdentityWebhookSettings } from '../../src/api/webhooks.js';
import { callerAccount } from './account.js';
import { awsIamAuthenticatorAddon } from './iam-authenticator.js';
import { groupName } from './model/names.js';
import { nodeTerminationHandlerAddon } from './node-termination-handler.js';
import { podIdentityWebhookAddon, podIdentityWebhookNeedsAccount } from './pod-identity-webhook.js';

/** The digest recorded for this tag in upstream release lists. */
export const AWS_CCM_IMAGE = 'registry.k8s.io/provider-aws/cloud-controller-manager:v1.32.3@sha256:894dc5ce38646acad312a722e29ee7641aa5032aba5b134ebb98462b492f9bc6';
export const EBS_CSI_VERSION = '1.40.1';
export const AMAZON_VPC_CNI_VERSION = '1.19.2';
const SIDECARS = {
  provisioner: 'registry.k8s.io/sig-storage/csi-provisioner:v5.2.0',
  attacher: 'registry.k8s.io/sig-storage/csi-attacher:v4.8.1',
  resizer: 'registry.k8s.io/sig-storage/csi-resizer:v1.13.2',
  registrar: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0',
  liveness: 'registry.k8s.io/sig-storage/livenessprobe:v2.15.0',
};

/**
 * An IPv6 cluster's controller allocates no node ranges, as kops runs it (`--allocate-node-cidrs=false`,
 * no `--cluster-cidr`): a Node's pod range is the IPv6 /80 prefix of its machine's interface (the
 * launch template's Ipv6PrefixCount), which kops's own kops-controller copies into the Node. The
 * AWS controller has no loop that does (its nodeipam controller was never merged): see docs/aws.md.
 */
const IPV6_NODE_IPAM = ['--allocate-node-cidrs=false'];

function cloudControllerManager(ctx: AddonContext): AddonDefinition {
  const version = AWS_CCM_IMAGE.replace(/^.*:v([^@]+)@.*$/, '$1');
  const objects: KubeObject[] = [
    ...accountWithClusterRole('cloud-controller-manager', [
      rule([''], ['events'], ['create', 'patch', 'update']),
      rule([''], ['nodes'], ['*']),
      rule([''], ['nodes/status'], ['patch']),
      rule([''], ['services'], ['list', 'patch', 'update', 'watch']),
      rule([''], ['services/status'], ['list', 'patch', 'update', 'watch']),
      rule([''], ['serviceaccounts'], ['create', 'get']),
      rule([''], ['persistentvolumes'], ['get', 'list', 'update', 'watch']),
      rule([''], ['endpoints'], ['create', 'get', 'list', 'watch', 'update']),
      rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'list', 'watch', 'update']),
      rule([''], ['serviceaccounts/token'], ['create']),
    ]),
    roleBinding('cloud-controller-manager:apiserver-authentication-reader', KUBE_SYSTEM, 'extension-apiserver-authentication-reader', [accountSubject('cloud-controller-manager')]),
    daemonSet({
      name: 'aws-cloud-controller-manager',
      pod: {
        hostNetwork: true,
        serviceAccountName: 'cloud-controller-manager',
        ...ON_CONTROL_PLANE,
        containers: [{
          name: 'aws-cloud-controller-manager',
          image: ctx.image(AWS_CCM_IMAGE),
          args: ['--v=2', '--cloud-provider=aws', `--cluster-name=${ctx.cluster}`, '--configure-cloud-routes=false', '--use-service-account-credentials=true', ...(isIpv6Cluster(ctx.completed.cluster.spec) ? IPV6_NODE_IPAM : [])],
          resources: { requests: { cpu: '200m' } },
        }],
      },
    }),
  ];
  return { name: 'aws-cloud-controller-manager', version, objects, health: workloadsOf(objects) };
}

/** The default StorageClass, unless spec.cloudConfig.manageStorageClasses is false. */
const EBS_STORAGE_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'gp3', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'ebs.csi.aws.com',
  parameters: { type: 'gp3', encrypted: 'true' },
  volumeBindingMode: 'WaitForFirstConsumer',
  allowVolumeExpansion: true,
  reclaimPolicy: 'Delete',
};

function ebsCsiDriver(ctx: AddonContext): AddonDefinition {
  const driver = ctx.image(`public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v${EBS_CSI_VERSION}`);
  const socket = mount('socket-dir', '/var/lib/csi/sockets/pluginproxy/');
  const sidecar = (name: string, image: string, args: readonly string[]) => ({ name, image: ctx.image(image), args: ['--csi-address=$(ADDRESS)', '--v=2', ...args], env: [{ name: 'ADDRESS', value: '/var/lib/csi/sockets/pluginproxy/csi.sock' }], volumeMounts: [socket] });
  const objects: KubeObject[] = [
    ...accountWithClusterRole('ebs-csi-controller-sa', [
      rule([''], ['persistentvolumes'], ['get', 'list', 'watch', 'create', 'delete', 'patch']),
      rule([''], ['persistentvolumeclaims'], ['get', 'list', 'watch', 'update']),
      rule([''], ['persistentvolumeclaims/status'], ['patch', 'update']),
      rule(['storage.k8s.io'], ['storageclasses', 'csinodes'], READ),
      rule(['storage.k8s.io'], ['volumeattachments'], ['get', 'list', 'watch', 'patch']),
      rule(['storage.k8s.io'], ['volumeattachments/status'], ['patch']),
      rule([''], ['events'], ['list', 'watch', 'create', 'update', 'patch']),
      rule(['snapshot.storage.k8s.io'], ['volumesnapshots', 'volumesnapshotcontents'], ['get', 'list']),
      rule([''], ['nodes', 'pods'], READ),
      rule(['coordination.k8s.io'], ['leases'], ['get', 'watch', 'list', 'delete', 'update', 'create']),
    ]),
    serviceAccount('ebs-csi-node-sa'),
    clusterRole('ebs-csi-node-role', [rule([''], ['nodes'], ['get', 'patch']), rule(['storage.k8s.io'], ['volumeattachments'], READ), rule(['storage.k8s.io'], ['csinodes'], ['get'])]),
    clusterRoleBinding('ebs-csi-node-getter-binding', 'ebs-csi-node-role', [accountSubject('ebs-csi-node-sa')]),
    { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'ebs.csi.aws.com' }, spec: { attachRequired: true, podInfoOnMount: false, fsGroupPolicy: 'File' } },
    ...(cloudConfigSettings(ctx.completed.cluster.spec).manageStorageClasses ? [EBS_STORAGE_CLASS] : []),
    deployment({
      name: 'ebs-csi-controller',
      labels: { app: 'ebs-csi-controller' },
      replicas: 2,
      pod: {
        serviceAccountName: 'ebs-csi-controller-sa',
        ...ON_CONTROL_PLANE,
        containers: [
          { name: 'ebs-plugin', image: driver, args: ['controller', '--endpoint=$(CSI_ENDPOINT)', `--k8s-tag-cluster-id=${ctx.cluster}`, '--logging-format=text', '--v=2'], env: [{ name: 'CSI_ENDPOINT', value: 'unix:///var/lib/csi/sockets/pluginproxy/csi.sock' }, fieldEnv('CSI_NODE_NAME', 'spec.nodeName')], volumeMounts: [socket], ports: [{ name: 'healthz', containerPort: 9808, protocol: 'TCP' }], livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' }, initialDelaySeconds: 10, periodSeconds: 10 } },
          sidecar('csi-provisioner', SIDECARS.provisioner, ['--feature-gates=Topology=true', '--extra-create-metadata', '--leader-election=true', '--default-fstype=ext4']),
          sidecar('csi-attacher', SIDECARS.attacher, ['--leader-election=true']),
          sidecar('csi-resizer', SIDECARS.resizer, ['--leader-election=true']),
          sidecar('liveness-probe', SIDECARS.liveness, []),
        ],
        volumes: [{ name: 'socket-dir', emptyDir: {} }],
      },
    }),
    daemonSet({
      name: 'ebs-csi-node',
      labels: { app: 'ebs-csi-node' },
      pod: {
        serviceAccountName: 'ebs-csi-node-sa',
        tolerations: EVERYWHERE,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [
          { name: 'ebs-plugin', image: driver, args: ['node', '--endpoint=$(CSI_ENDPOINT)', '--logging-format=text', '--v=2'], env: [{ name: 'CSI_ENDPOINT', value: 'unix:/csi/csi.sock' }, fieldEnv('CSI_NODE_NAME', 'spec.nodeName')], securityContext: { privileged: true }, volumeMounts: [{ name: 'kubelet-dir', mountPath: '/var/lib/kubelet', mountPropagation: 'Bidirectional' }, mount('plugin-dir', '/csi'), mount('device-dir', '/dev')], ports: [{ name: 'healthz', containerPort: 9808, protocol: 'TCP' }] },
          { name: 'node-driver-registrar', image: ctx.image(SIDECARS.registrar), args: ['--csi-address=$(ADDRESS)', '--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)', '--v=2'], env: [{ name: 'ADDRESS', value: '/csi/csi.sock' }, { name: 'DRIVER_REG_SOCK_PATH', value: '/var/lib/kubelet/plugins/ebs.csi.aws.com/csi.sock' }], volumeMounts: [mount('plugin-dir', '/csi'), mount('registration-dir', '/registration')] },
          { name: 'liveness-probe', image: ctx.image(SIDECARS.liveness), args: ['--csi-address=/csi/csi.sock'], volumeMounts: [mount('plugin-dir', '/csi')] },
        ],
        volumes: [hostPath('kubelet-dir', '/var/lib/kubelet', 'Directory'), hostPath('plugin-dir', '/var/lib/kubelet/plugins/ebs.csi.aws.com/', 'DirectoryOrCreate'), hostPath('registration-dir', '/var/lib/kubelet/plugins_registry/', 'Directory'), hostPath('device-dir', '/dev', 'Directory')],
      },
    }),
  ];
  return { name: 'aws-ebs-csi-driver', version: EBS_CSI_VERSION, objects, health: workloadsOf(objects) };
}

/** The Amazon VPC CNI: pods take addresses of the node's ENIs. Its ENIConfig CRD (custom networking) is not included. */
function amazonVpcCni(ctx: AddonContext): AddonDefinition {
  const spec = ctx.completed.cluster.spec;
  const region = spec.region ?? regionOfZone('aws', spec.subnets[0]?.zone ?? '') ?? 'us-east-1';
  const image = (name: string) => ctx.image(`602401143452.dkr.ecr.${region}.amazonaws.com/${name}:v${AMAZON_VPC_CNI_VERSION}`);
  const objects: KubeObject[] = [
    ...accountWithClusterRole('aws-node', [
      rule(['crd.k8s.amazonaws.com'], ['eniconfigs'], READ),
      rule([''], ['pods', 'namespaces'], READ),
      rule([''], ['nodes'], ['get', 'list', 'watch', 'update']),
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'list']),
      rule(['networking.k8s.amazonaws.com'], ['*'], ALL),
    ]),
    daemonSet({
      name: 'aws-node',
      pod: {
        hostNetwork: true,
        serviceAccountName: 'aws-node',
        tolerations: EVERYWHERE,
        initContainers: [{ name: 'aws-vpc-cni-init', image: image('amazon-k8s-cni-init'), securityContext: { privileged: true }, volumeMounts: [mount('cni-bin-dir', '/host/opt/cni/bin')] }],
        containers: [{
          name: 'aws-node',
          image: image('amazon-k8s-cni'),
          env: [{ name: 'AWS_VPC_K8S_CNI_LOGLEVEL', value: 'DEBUG' }, { name: 'CLUSTER_NAME', value: ctx.cluster }, fieldEnv('MY_NODE_NAME', 'spec.nodeName'), { name: 'WARM_ENI_TARGET', value: '1' }],
          ports: [{ name: 'metrics', containerPort: 61678 }],
          resources: { requests: { cpu: '25m' } },
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
          volumeMounts: [mount('cni-bin-dir', '/host/opt/cni/bin'), mount('cni-net-dir', '/host/etc/cni/net.d'), mount('log-dir', '/host/var/log/aws-routed-eni'), mount('run-dir', '/var/run/aws-node'), mount('xtables-lock', '/run/xtables.lock')],
        }],
        volumes: [hostPath('cni-bin-dir', '/opt/cni/bin'), hostPath('cni-net-dir', '/etc/cni/net.d'), hostPath('log-dir', '/var/log/aws-routed-eni', 'DirectoryOrCreate'), hostPath('run-dir', '/var/run/aws-node', 'DirectoryOrCreate'), hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate')],
      },
    }),
  ];
  return { name: 'amazon-vpc-cni', version: AMAZON_VPC_CNI_VERSION, objects, health: workloadsOf(objects) };
}

export const awsAddons: CloudAddons = {
  addons: (ctx) => [
    cloudControllerManager(ctx),
    ...(cloudConfigSettings(ctx.completed.cluster.spec).awsEBSCSIDriver ? [ebsCsiDriver(ctx)] : []),
    ...[awsIamAuthenticatorAddon(ctx), podIdentityWebhookAddon(ctx), nodeTerminationHandlerAddon(ctx)].filter((a) => a !== undefined),
  ],
  // The pod identity webhook's configuration names the CA of its serving certificate.
  needsClusterCA: (completed) => podIdentityWebhookSettings(completed.cluster.spec) !== undefined,
  // Its role mapping names the service accounts' IAM roles by ARN.
  account: async (completed, env) => {
    if (!podIdentityWebhookNeedsAccount(completed)) return undefined;
    return callerAccount(completed.cluster.spec.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1', env);
  },
  networking: { amazonvpc: amazonVpcCni },
  autoscaler: { cloudProvider: 'aws', groups: (ig, ctx) => [{ min: ig.spec.minSize, max: ig.spec.maxSize, name: groupName(ig.metadata.name, ctx.cluster) }] },
};
