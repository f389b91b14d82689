/**
 * spec.nodeTerminationHandler (aws): aws-node-termination-handler in IMDS mode, as kops runs it.
 * A pod on every Linux node, spot ones included, polls its own machine's instance metadata
 * (through the host's network, so IMDSv2's hop limit of 1 suffices) for a spot interruption
 * notice, an EC2 scheduled event or a rebalance recommendation, and cordons and drains its node
 * through the Kubernetes API before the machine goes. It calls no AWS API, so it needs no IAM
 * permission; its RBAC is what a drain needs.
 *
 * The settings reach the pod as the handler's environment, so a change of any of them changes
 * the manifest, hence the addon's hash: the plan shows it. kops's queue-processor mode (SQS,
 * EventBridge, lifecycle hooks) is refused by the spec's rules (src/api/node-termination-handler.ts).
 */

import { nodeTerminationHandlerSettings } from '../../src/api/node-termination-handler.js';
import type { NodeTerminationHandlerSettings } from '../../src/api/node-termination-handler.js';
import { accountWithClusterRole, daemonSet, EVERYWHERE, fieldEnv, hostPath, mount, rule, workloadsOf } from '../addons/objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../addons/types.js';

export const NTH_NAME = 'aws-node-termination-handler';
const IMAGE = 'public.ecr.aws/aws-ec2/aws-node-termination-handler';
/** The handler's own defaults for its probe and metrics servers. */
export const NTH_PROBES_PORT = 8080;
export const NTH_METRICS_PORT = 9092;
const UPTIME = '/proc/uptime';
const LABELS = { 'app.kubernetes.io/name': NTH_NAME, 'app.kubernetes.io/instance': NTH_NAME, 'k8s-app': NTH_NAME };

const env = (name: string, value: string | number | boolean) => ({ name, value: String(value) });

/** The handler's environment: kops's IMDS-mode settings, with the spec's fields where it has them. */
function handlerEnv(s: NodeTerminationHandlerSettings) {
  return [
    fieldEnv('NODE_NAME', 'spec.nodeName'),
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('NAMESPACE', 'metadata.namespace'),
    env('ENABLE_PROBES_SERVER', true),
    env('PROBES_SERVER_PORT', NTH_PROBES_PORT),
    env('PROBES_SERVER_ENDPOINT', '/healthz'),
    env('LOG_LEVEL', 'info'),
    env('JSON_LOGGING', true),
    env('LOG_FORMAT_VERSION', 2),
    env('ENABLE_PROMETHEUS_SERVER', s.prometheusEnable),
    env('PROMETHEUS_SERVER_PORT', NTH_METRICS_PORT),
    env('METADATA_TRIES', 3),
    env('DRY_RUN', false),
    env('CORDON_ONLY', false),
    env('TAINT_NODE', s.taintNode),
    env('EXCLUDE_FROM_LOAD_BALANCERS', s.excludeFromLoadBalancers),
    env('DELETE_LOCAL_DATA', true),
    env('IGNORE_DAEMON_SETS', true),
    env('POD_TERMINATION_GRACE_PERIOD', s.podTerminationGracePeriod),
    // A spot interruption gives two minutes: the drain is planned to end within them.
    env('NODE_TERMINATION_GRACE_PERIOD', 120),
    env('EMIT_KUBERNETES_EVENTS', true),
    env('ENABLE_SPOT_INTERRUPTION_DRAINING', s.enableSpotInterruptionDraining),
    env('ENABLE_SCHEDULED_EVENT_DRAINING', s.enableScheduledEventDraining),
    env('ENABLE_REBALANCE_MONITORING', s.enableRebalanceMonitoring),
    env('ENABLE_REBALANCE_DRAINING', s.enableRebalanceDraining),
    env('ENABLE_SQS_TERMINATION_DRAINING', false),
    env('UPTIME_FROM_FILE', UPTIME),
  ];
}

export function nodeTerminationHandlerAddon(ctx: AddonContext): AddonDefinition | undefined {
  const s = nodeTerminationHandlerSettings(ctx.completed.cluster.spec);
  if (s === undefined) return undefined;
  const objects: KubeObject[] = [
    ...accountWithClusterRole(NTH_NAME, [
      rule([''], ['nodes'], ['get', 'list', 'patch', 'update']),
      rule([''], ['pods'], ['list', 'get']),
      rule([''], ['pods/eviction'], ['create']),
      rule(['extensions'], ['daemonsets'], ['get']),
      rule(['apps'], ['daemonsets'], ['get']),
      rule([''], ['events'], ['create', 'patch']),
    ]),
    daemonSet({
      name: NTH_NAME,
      labels: LABELS,
      pod: {
        serviceAccountName: NTH_NAME,
        // IMDS mode reads the instance metadata as the host does.
        hostNetwork: true,
        dnsPolicy: 'ClusterFirstWithHostNet',
        securityContext: { fsGroup: 1000 },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        // Every node, control plane and tainted (spot) groups included.
        tolerations: EVERYWHERE,
        containers: [{
          name: NTH_NAME,
          image: ctx.image(`${IMAGE}:${s.version}`),
          imagePullPolicy: 'IfNotPresent',
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          env: handlerEnv(s),
          ports: [
            { name: 'liveness-probe', containerPort: NTH_PROBES_PORT, protocol: 'TCP' },
            ...(s.prometheusEnable ? [{ name: 'http-metrics', containerPort: NTH_METRICS_PORT, protocol: 'TCP' }] : []),
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: NTH_PROBES_PORT }, initialDelaySeconds: 5, periodSeconds: 5 },
          resources: { requests: { cpu: s.cpuRequest, memory: s.memoryRequest } },
          volumeMounts: [mount('uptime', UPTIME, true)],
        }],
        volumes: [hostPath('uptime', UPTIME)],
      },
    }),
  ];
  return { name: NTH_NAME, version: s.version.replace(/^v/, ''), objects, health: workloadsOf(objects) };
}
