/**
 * What `spec.nodeTerminationHandler` means once defaulted (kops's defaults, in this one place),
 * and the rules every cloud shares. Resolved where it is used (the cloud's addons), not written
 * into the completed spec, so that clusters which do not set it keep their configuration's hash.
 * Whether a cloud runs it at all is its own (CloudSpecRules.nodeTerminationHandler).
 */

import type { FieldProblem } from '../errors.js';
import type { CloudSpecRules, KopsImport } from './cloud-rules.js';
import { withDropped } from './kops.js';
import { formatPath } from './paths.js';
import type { Cluster, ClusterSpec } from './schema.js';

/** The release kops pins. */
export const NTH_DEFAULT_VERSION = 'v1.22.0';
export const NTH_DEFAULT_MANAGED_TAG = 'aws-node-termination-handler/managed';

export interface NodeTerminationHandlerSettings {
  readonly enableSpotInterruptionDraining: boolean;
  readonly enableScheduledEventDraining: boolean;
  readonly enableRebalanceMonitoring: boolean;
  readonly enableRebalanceDraining: boolean;
  readonly prometheusEnable: boolean;
  readonly excludeFromLoadBalancers: boolean;
  readonly managedASGTag: string;
  readonly podTerminationGracePeriod: number;
  readonly taintNode: boolean;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly version: string;
}

/**
 * The handler's settings, or undefined when it is not installed: spec.nodeTerminationHandler
 * unset, or enabled: false. kops turns it on for every AWS cluster; hoist only for a spec that
 * writes the field (whose enabled then defaults to true, as kops's), so that an existing cluster
 * does not gain a DaemonSet on its next update.
 */
export function nodeTerminationHandlerSettings(spec: Pick<ClusterSpec, 'nodeTerminationHandler'>): NodeTerminationHandlerSettings | undefined {
  const n = spec.nodeTerminationHandler;
  if (n === undefined || n.enabled === false) return undefined;
  return {
    enableSpotInterruptionDraining: n.enableSpotInterruptionDraining ?? true,
    enableScheduledEventDraining: n.enableScheduledEventDraining ?? true,
    enableRebalanceMonitoring: n.enableRebalanceMonitoring ?? false,
    enableRebalanceDraining: n.enableRebalanceDraining ?? false,
    prometheusEnable: n.prometheusEnable ?? false,
    excludeFromLoadBalancers: n.excludeFromLoadBalancers ?? true,
    managedASGTag: n.managedASGTag ?? NTH_DEFAULT_MANAGED_TAG,
    podTerminationGracePeriod: n.podTerminationGracePeriod ?? -1,
    taintNode: n.taintNode ?? false,
    cpuRequest: n.cpuRequest ?? '50m',
    memoryRequest: n.memoryRequest ?? '64Mi',
    version: n.version ?? NTH_DEFAULT_VERSION,
  };
}

const at = (...path: string[]): string => formatPath(['spec', 'nodeTerminationHandler', ...path]);

const NOT_READ = 'aws-node-termination-handler watches the EC2 instance metadata service, which machines of other clouds do not have (docs/addons.md says which clouds run it)';
const QUEUE_PROCESSOR = 'the queue-processor mode needs an SQS queue, EventBridge rules and Auto Scaling lifecycle hooks, which hoist does not make; hoist runs the IMDS mode, a pod on every node that handles spot interruptions, scheduled events and rebalance recommendations of its own machine';

export function nodeTerminationHandlerProblems(spec: Pick<ClusterSpec, 'nodeTerminationHandler' | 'cloudProvider'>, rules: Pick<CloudSpecRules, 'nodeTerminationHandler'>): FieldProblem[] {
  const n = spec.nodeTerminationHandler;
  if (n === undefined || n.enabled === false) return [];
  if (rules.nodeTerminationHandler !== true) {
    return [{
      path: n.enabled === true ? at('enabled') : at(),
      value: n.enabled === true ? true : n,
      message: `is not read on ${spec.cloudProvider}: ${NOT_READ}`,
      fix: 'remove spec.nodeTerminationHandler (or set enabled: false)',
    }];
  }
  if (n.enableSQSTerminationDraining === true) {
    return [{ path: at('enableSQSTerminationDraining'), value: true, message: `is not supported: ${QUEUE_PROCESSOR}`, fix: 'remove enableSQSTerminationDraining (or set it to false) to run the IMDS mode' }];
  }
  return [];
}

/**
 * kops ignores nodeTerminationHandler on clouds other than AWS, so a kops spec of such a cloud
 * may hold it: the import drops it there, reported, rather than failing.
 */
export function dropUnreadNodeTerminationHandler(doc: KopsImport<Cluster>, rules: Pick<CloudSpecRules, 'nodeTerminationHandler' | 'cloud'>): KopsImport<Cluster> {
  const n = doc.object.spec.nodeTerminationHandler;
  if (n === undefined || rules.nodeTerminationHandler === true) return doc;
  const { nodeTerminationHandler: _n, ...spec } = doc.object.spec;
  const reason = `not read on ${rules.cloud}: ${NOT_READ}; kops ignores it there too`;
  return withDropped(doc, { ...doc.object, spec: spec as Cluster['spec'] }, [{ path: 'spec.nodeTerminationHandler', value: n, reason }]);
}
