/**
 * What GCE adds to a cluster's addons: the GCP cloud-controller-manager (the kubelets run with
 * --cloud-provider=external) and the Compute Engine persistent disk CSI driver with a
 * pd-balanced StorageClass (spec.cloudConfig turns the driver, gcpPDCSIDriver.enabled, or the
 * StorageClass, manageStorageClasses, off); and cluster-autoscaler's gce driver when the spec enables it, with
 * one `--nodes` per zonal managed instance group of each Node group, its bounds split over the
 * zones as the model splits them (an update leaves a size within them alone). The autoscaler runs
 * on the control plane, whose service account has the compute (read-write) scope it resizes with.
 * With workload identity (iam.serviceAccountExternalPermissions entries with gcp.serviceAccount),
 * the pods' credential configurations (./workload-identity-credentials.ts), which name the
 * project's number: the plan reads it (`account`) only then.
 */

import { accountSubject, accountWithClusterRole, clusterRole, clusterRoleBinding, daemonSet, deployment, EVERYWHERE, fieldEnv, hostPath, KUBE_SYSTEM, mount, ON_CONTROL_PLANE, READ, roleBinding, rule, serviceAccount, workloadsOf } from '../addons/objects.js';
import type { AddonContext, AddonDefinition, AutoscaledGroup, CloudAddons, KubeObject } from '../addons/types.js';
import type { CompletedInstanceGroup } from '../../src/api/index.js';
import { cloudConfigSettings } from '../../src/api/auth-cloud.js';
import { HoistError } from '../../src/errors.js';
import { spread } from './model/instance-groups.js';
import { groupManagerName } from './names.js';
import { needsProjectNumber, workloadIdentityCredentialsAddon } from './workload-identity-credentials.js';

export const GCP_CCM_VERSION = '30.0.0';
export const PD_CSI_VERSION = '1.17.3';
const SIDECARS = {
  provisioner: 'registry.k8s.io/sig-storage/csi-provisioner:v5.2.0',
  attacher: 'registry.k8s.io/sig-storage/csi-attacher:v4.8.1',
  resizer: 'registry.k8s.io/sig-storage/csi-resizer:v1.13.2',
  registrar: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0',
};

function cloudControllerManager(ctx: AddonContext): AddonDefinition {
  const objects: KubeObject[] = [
    ...accountWithClusterRole('cloud-controller-manager', [
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
      rule([''], ['nodes'], ['*']),
      rule([''], ['nodes/status'], ['patch']),
      rule([''], ['services', 'services/status'], ['get', 'list', 'patch', 'update', 'watch']),
      rule([''], ['serviceaccounts'], ['create', 'get']),
      rule([''], ['serviceaccounts/token'], ['create']),
      rule([''], ['configmaps'], ['get', 'list', 'watch', 'create', 'update']),
      rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'list', 'watch', 'update']),
    ]),
    roleBinding('cloud-controller-manager:apiserver-authentication-reader', KUBE_SYSTEM, 'extension-apiserver-authentication-reader', [accountSubject('cloud-controller-manager')]),
    daemonSet({
      name: 'gcp-cloud-controller-manager',
      pod: {
        hostNetwork: true,
        serviceAccountName: 'cloud-controller-manager',
        ...ON_CONTROL_PLANE,
        containers: [{
          name: 'cloud-controller-manager',
          image: ctx.image(`registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v${GCP_CCM_VERSION}`),
          command: ['/cloud-controller-manager'],
          args: ['--v=2', '--cloud-provider=gce', `--cluster-name=${ctx.cluster.replace(/\./g, '-')}`, `--cluster-cidr=${ctx.podCIDR}`, '--allocate-node-cidrs=false', '--configure-cloud-routes=false', '--use-service-account-credentials=true', '--leader-elect=true'],
          resources: { requests: { cpu: '200m' } },
        }],
      },
    }),
  ];
  return { name: 'gcp-cloud-controller-manager', version: GCP_CCM_VERSION, objects, health: workloadsOf(objects) };
}

/** The default StorageClass, unless spec.cloudConfig.manageStorageClasses is false. */
const PD_STORAGE_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'balanced-csi', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'pd.csi.storage.gke.io',
  parameters: { type: 'pd-balanced' },
  volumeBindingMode: 'WaitForFirstConsumer',
  allowVolumeExpansion: true,
  reclaimPolicy: 'Delete',
};

function pdCsiDriver(ctx: AddonContext): AddonDefinition {
  const driver = ctx.image(`registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver:v${PD_CSI_VERSION}`);
  const socket = mount('socket-dir', '/csi');
  const sidecar = (name: string, image: string, args: readonly string[]) => ({ name, image: ctx.image(image), args: ['--csi-address=/csi/csi.sock', '--v=2', '--leader-election', ...args], volumeMounts: [socket] });
  const objects: KubeObject[] = [
    ...accountWithClusterRole('csi-gce-pd-controller-sa', [
      rule([''], ['persistentvolumes'], ['get', 'list', 'watch', 'create', 'delete', 'patch']),
      rule([''], ['persistentvolumeclaims'], ['get', 'list', 'watch', 'update']),
      rule([''], ['persistentvolumeclaims/status'], ['patch', 'update']),
      rule(['storage.k8s.io'], ['storageclasses', 'csinodes'], READ),
      rule(['storage.k8s.io'], ['volumeattachments'], ['get', 'list', 'watch', 'patch', 'update']),
      rule(['storage.k8s.io'], ['volumeattachments/status'], ['patch']),
      rule([''], ['events'], ['list', 'watch', 'create', 'update', 'patch']),
      rule([''], ['nodes', 'pods'], READ),
      rule(['coordination.k8s.io'], ['leases'], ['get', 'watch', 'list', 'delete', 'update', 'create']),
    ]),
    serviceAccount('csi-gce-pd-node-sa'),
    clusterRole('csi-gce-pd-node', [rule([''], ['nodes'], ['get'])]),
    clusterRoleBinding('csi-gce-pd-node', 'csi-gce-pd-node', [accountSubject('csi-gce-pd-node-sa')]),
    { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'pd.csi.storage.gke.io' }, spec: { attachRequired: true, podInfoOnMount: false } },
    ...(cloudConfigSettings(ctx.completed.cluster.spec).manageStorageClasses ? [PD_STORAGE_CLASS] : []),
    deployment({
      name: 'csi-gce-pd-controller',
      labels: { app: 'gcp-compute-persistent-disk-csi-driver' },
      pod: {
        serviceAccountName: 'csi-gce-pd-controller-sa',
        ...ON_CONTROL_PLANE,
        containers: [
          sidecar('csi-provisioner', SIDECARS.provisioner, ['--feature-gates=Topology=true', '--default-fstype=ext4']),
          sidecar('csi-attacher', SIDECARS.attacher, []),
          sidecar('csi-resizer', SIDECARS.resizer, []),
          { name: 'gce-pd-driver', image: driver, args: ['--v=2', '--endpoint=unix:/csi/csi.sock', '--run-node-service=false'], volumeMounts: [socket] },
        ],
        volumes: [{ name: 'socket-dir', emptyDir: {} }],
      },
    }),
    daemonSet({
      name: 'csi-gce-pd-node',
      labels: { app: 'gcp-compute-persistent-disk-csi-driver-node' },
      pod: {
        serviceAccountName: 'csi-gce-pd-node-sa',
        tolerations: EVERYWHERE,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [
          { name: 'csi-driver-registrar', image: ctx.image(SIDECARS.registrar), args: ['--v=2', '--csi-address=/csi/csi.sock', '--kubelet-registration-path=/var/lib/kubelet/plugins/pd.csi.storage.gke.io/csi.sock'], env: [fieldEnv('KUBE_NODE_NAME', 'spec.nodeName')], volumeMounts: [mount('plugin-dir', '/csi'), mount('registration-dir', '/registration')] },
          { name: 'gce-pd-driver', image: driver, args: ['--v=2', '--endpoint=unix:/csi/csi.sock', '--run-controller-service=false'], securityContext: { privileged: true }, volumeMounts: [{ name: 'kubelet-dir', mountPath: '/var/lib/kubelet', mountPropagation: 'Bidirectional' }, mount('plugin-dir', '/csi'), mount('device-dir', '/dev')] },
        ],
        volumes: [hostPath('registration-dir', '/var/lib/kubelet/plugins_registry/', 'Directory'), hostPath('kubelet-dir', '/var/lib/kubelet', 'Directory'), hostPath('plugin-dir', '/var/lib/kubelet/plugins/pd.csi.storage.gke.io/', 'DirectoryOrCreate'), hostPath('device-dir', '/dev', 'Directory')],
      },
    }),
  ];
  return { name: 'gcp-pd-csi-driver', version: PD_CSI_VERSION, objects, health: workloadsOf(objects) };
}

/** The instance group of each zone's managed instance group, by URL, with the zone's share of the bounds; a zone whose share of maxSize is 0 cannot grow and is left out. */
function autoscaledGroups(ig: CompletedInstanceGroup, ctx: AddonContext): AutoscaledGroup[] {
  const project = ctx.completed.cluster.spec.project ?? '';
  const mins = spread(ig.spec.minSize, ig.spec.zones.length);
  const maxes = spread(ig.spec.maxSize, ig.spec.zones.length);
  return ig.spec.zones.flatMap((zone, i) => {
    const name = `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/instanceGroups/${groupManagerName(ig.metadata.name, zone, ctx.cluster)}`;
    return maxes[i]! > 0 ? [{ min: mins[i]!, max: maxes[i]!, name }] : [];
  });
}

export const gceAddons: CloudAddons = {
  addons: (ctx) => [
    cloudControllerManager(ctx),
    ...(cloudConfigSettings(ctx.completed.cluster.spec).gcpPDCSIDriver ? [pdCsiDriver(ctx)] : []),
    ...[workloadIdentityCredentialsAddon(ctx)].filter((a) => a !== undefined),
  ],
  // The credential configurations name the workload identity pool by the project's number.
  account: async (completed, env) => {
    if (!needsProjectNumber(completed)) return undefined;
    const project = completed.cluster.spec.project;
    if (!project) throw new HoistError('INVALID_SPEC', `cluster ${completed.cluster.metadata.name} has no spec.project: GCE needs the project to work in`, { path: 'spec.project' });
    const { projectAccount } = await import('./project-number.js');
    return projectAccount(project, env);
  },
  autoscaler: { cloudProvider: 'gce', groups: autoscaledGroups },
};
