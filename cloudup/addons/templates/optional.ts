/**
 * The addons a spec switches on, as kops's fields do: metricsServer, clusterAutoscaler and
 * nodeProblemDetector (`enabled: true`). Each is off by default.
 */

import type { CompletedInstanceGroup } from '../../../src/api/index.js';
import { autoscaled } from '../../../src/api/defaults.js';
import { ValidationError } from '../../../src/errors.js';
import {
  accountSubject, accountWithClusterRole, clusterRole, clusterRoleBinding, daemonSet, deployment, EVERYWHERE, fieldEnv, hostPath, KUBE_SYSTEM, mount, ON_CONTROL_PLANE, READ, roleBinding, rule, serviceAccount, workloadsOf,
} from '../objects.js';
import type { AddonContext, AddonDefinition, CloudAddons, KubeObject } from '../types.js';

export const METRICS_SERVER_VERSION = '0.7.2';
export const NODE_PROBLEM_DETECTOR_VERSION = '0.8.20';
/** The digest recorded for this tag in upstream release lists. */
export const CLUSTER_AUTOSCALER_IMAGE = 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.1@sha256:dfc7e06c58b3757e530a0be1b8af6f6fe38926f0f4da35d6f1b8a9a9e0bb78de';

export function metricsServerAddon(ctx: AddonContext): AddonDefinition {
  const insecure = ctx.completed.cluster.spec.metricsServer?.insecure ?? true;
  const labels = { 'k8s-app': 'metrics-server' };
  const objects: KubeObject[] = [
    serviceAccount('metrics-server'),
    clusterRole('system:aggregated-metrics-reader', [rule(['metrics.k8s.io'], ['pods', 'nodes'], READ)]),
    clusterRole('system:metrics-server', [rule([''], ['nodes/metrics'], ['get']), rule([''], ['pods', 'nodes'], READ)]),
    clusterRoleBinding('system:metrics-server', 'system:metrics-server', [accountSubject('metrics-server')]),
    clusterRoleBinding('metrics-server:system:auth-delegator', 'system:auth-delegator', [accountSubject('metrics-server')]),
    roleBinding('metrics-server-auth-reader', KUBE_SYSTEM, 'extension-apiserver-authentication-reader', [accountSubject('metrics-server')]),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: KUBE_SYSTEM, labels }, spec: { selector: labels, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }] } },
    deployment({
      name: 'metrics-server',
      labels,
      pod: {
        serviceAccountName: 'metrics-server',
        containers: [{
          name: 'metrics-server',
          image: ctx.image(`registry.k8s.io/metrics-server/metrics-server:v${METRICS_SERVER_VERSION}`),
          args: ['--cert-dir=/tmp', '--secure-port=10250', '--kubelet-preferred-address-types=InternalIP,Hostname', '--kubelet-use-node-status-port', '--metric-resolution=15s', ...(insecure ? ['--kubelet-insecure-tls'] : [])],
          ports: [{ name: 'https', containerPort: 10250, protocol: 'TCP' }],
          readinessProbe: { httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 10 },
          resources: { requests: { cpu: '100m', memory: '200Mi' } },
          securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
          volumeMounts: [mount('tmp-dir', '/tmp')],
        }],
        volumes: [{ name: 'tmp-dir', emptyDir: {} }],
      },
    }),
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: { name: 'metrics-server', namespace: KUBE_SYSTEM } },
    },
  ];
  return { name: 'metrics-server', version: METRICS_SERVER_VERSION, objects, health: workloadsOf(objects) };
}

/**
 * `--nodes=min:max:<group>` for every cloud group of every Node group the autoscaler scales (not
 * those with `autoscale: false`): it keeps each within its share of the spec's bounds.
 */
export function clusterAutoscalerAddon(ctx: AddonContext, cloudAddons: Pick<CloudAddons, 'autoscaler' | 'noAutoscaler'>): AddonDefinition {
  const spec = ctx.completed.cluster.spec;
  const settings = spec.clusterAutoscaler ?? {};
  const cloud = cloudAddons.autoscaler;
  if (cloud === undefined) {
    const why = cloudAddons.noAutoscaler ?? 'cluster-autoscaler has no driver for its machine groups';
    throw new ValidationError('the cluster spec', [{ path: 'spec.clusterAutoscaler.enabled', value: true, message: `is not supported on cloud ${spec.cloudProvider}: ${why}`, fix: 'remove spec.clusterAutoscaler, or set enabled: false' }]);
  }
  const groups = ctx.completed.instanceGroups.filter((ig: CompletedInstanceGroup) => ig.spec.role === 'Node' && autoscaled(ig.spec));
  const version = CLUSTER_AUTOSCALER_IMAGE.replace(/^.*:v([^@]+)@.*$/, '$1');
  const args = [
    `--cloud-provider=${cloud.cloudProvider}`,
    ...groups.flatMap((ig) => cloud.groups(ig, ctx)).map((g) => `--nodes=${g.min}:${g.max}:${g.name}`),
    `--expander=${settings.expander ?? 'random'}`,
    `--balance-similar-node-groups=${settings.balanceSimilarNodeGroups ?? false}`,
    `--scale-down-utilization-threshold=${settings.scaleDownUtilizationThreshold ?? '0.5'}`,
    `--skip-nodes-with-local-storage=${settings.skipNodesWithLocalStorage ?? true}`,
    `--skip-nodes-with-system-pods=${settings.skipNodesWithSystemPods ?? true}`,
    `--new-pod-scale-up-delay=${settings.newPodScaleUpDelay ?? '0s'}`,
    `--scale-down-delay-after-add=${settings.scaleDownDelayAfterAdd ?? '10m0s'}`,
    '--logtostderr=true',
    '--v=2',
  ];
  const objects: KubeObject[] = [
    ...accountWithClusterRole('cluster-autoscaler', [
      rule([''], ['events', 'endpoints'], ['create', 'patch']),
      rule([''], ['pods/eviction'], ['create']),
      rule([''], ['pods/status'], ['update']),
      rule([''], ['endpoints'], ['get', 'update']),
      rule([''], ['nodes'], ['watch', 'list', 'get', 'update']),
      rule([''], ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'], READ),
      rule(['extensions', 'apps'], ['daemonsets', 'replicasets', 'statefulsets'], READ),
      rule(['policy'], ['poddisruptionbudgets'], READ),
      rule(['batch'], ['jobs', 'cronjobs'], READ),
      rule(['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], READ),
      rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'update']),
      rule([''], ['configmaps'], ['create', 'get', 'list', 'watch', 'update', 'delete']),
    ]),
    deployment({
      name: 'cluster-autoscaler',
      labels: { app: 'cluster-autoscaler' },
      pod: {
        serviceAccountName: 'cluster-autoscaler',
        ...ON_CONTROL_PLANE,
        containers: [{ name: 'cluster-autoscaler', image: ctx.image(CLUSTER_AUTOSCALER_IMAGE), command: ['./cluster-autoscaler'], args, resources: { requests: { cpu: '100m', memory: '300Mi' } } }],
      },
    }),
  ];
  return { name: 'cluster-autoscaler', version, objects, health: workloadsOf(objects) };
}

export function nodeProblemDetectorAddon(ctx: AddonContext): AddonDefinition {
  const objects: KubeObject[] = [
    ...accountWithClusterRole('node-problem-detector', [rule([''], ['nodes'], ['get']), rule([''], ['nodes/status'], ['patch']), rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update'])]),
    daemonSet({
      name: 'node-problem-detector',
      labels: { app: 'node-problem-detector' },
      pod: {
        serviceAccountName: 'node-problem-detector',
        tolerations: EVERYWHERE,
        containers: [{
          name: 'node-problem-detector',
          image: ctx.image(`registry.k8s.io/node-problem-detector/node-problem-detector:v${NODE_PROBLEM_DETECTOR_VERSION}`),
          command: ['/node-problem-detector', '--logtostderr', '--config.system-log-monitor=/config/kernel-monitor.json'],
          env: [fieldEnv('NODE_NAME', 'spec.nodeName')],
          securityContext: { privileged: true },
          resources: { requests: { cpu: '10m', memory: '80Mi' }, limits: { memory: '80Mi' } },
          volumeMounts: [mount('log', '/var/log', true), mount('kmsg', '/dev/kmsg', true), mount('localtime', '/etc/localtime', true)],
        }],
        volumes: [hostPath('log', '/var/log/'), hostPath('kmsg', '/dev/kmsg'), hostPath('localtime', '/etc/localtime', 'FileOrCreate')],
      },
    }),
  ];
  return { name: 'node-problem-detector', version: NODE_PROBLEM_DETECTOR_VERSION, objects, health: workloadsOf(objects) };
}
