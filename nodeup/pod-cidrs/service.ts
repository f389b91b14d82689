/**
 * How nodeup installs the pod range service (./controller.ts) on the control-plane machines of
 * an AWS IPv6 cluster (nodeup.yaml's `controlPlane.awsIPAM`): its configuration
 * (`/etc/hoist/aws-ipam.json`) and the unit `hoist-aws-ipam.service`, a long-running service that
 * talks to the API through the admin kubeconfig nodeup writes for the control plane, and to EC2
 * as the machine's instance profile. Like the addon applier (../addons/service.ts) it runs the
 * nodeup bundle the boot script installed, from `/`.
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { ADMIN_KUBECONFIG } from '../model/bootstrap-rbac.js';
import { bundleServiceProxy } from '../model/egress-proxy.js';
import type { ModelInput } from '../model/types.js';
import { after, file, hashOf } from '../model/types.js';
import { bundleServiceUnit } from '../services/bundle-unit.js';
import { serviceTask } from '../tasks/service.js';

export const POD_CIDRS_SERVICE_CONF = '/etc/hoist/aws-ipam.json';
export const POD_CIDRS_SERVICE_UNIT = 'hoist-aws-ipam.service';

/** The service's configuration file. */
export interface PodCidrsServiceConfig {
  readonly cluster: string;
  /** This machine: the host its Events name. */
  readonly instanceId: string;
  /** Node path of the kubeconfig it patches Nodes with. */
  readonly kubeconfig: string;
}

export function podCidrsServiceUnit(conf: string, environmentFile?: string): string {
  return bundleServiceUnit({ description: "sets each Node's pod range to its machine's IPv6 prefix (AWS)", after: ['kubelet.service'], command: 'aws-ipam', conf, ...(environmentFile === undefined ? {} : { environmentFile }) });
}

/** On a control-plane machine of an AWS IPv6 cluster: the configuration and the unit, started once the admin kubeconfig is written. */
export function podCidrsServiceTasks(input: ModelInput): Task[] {
  if (input.config.role !== 'ControlPlane' || input.config.controlPlane?.awsIPAM !== true) return [];
  const config: PodCidrsServiceConfig = { cluster: input.config.cluster, instanceId: input.node.instanceId, kubeconfig: ADMIN_KUBECONFIG };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const conf = file(POD_CIDRS_SERVICE_CONF, text);
  const proxy = bundleServiceProxy(input.config);
  const service = serviceTask(
    POD_CIDRS_SERVICE_UNIT,
    { unit: podCidrsServiceUnit(POD_CIDRS_SERVICE_CONF, proxy.environmentFile), enabled: true, running: true, restartOn: hashOf(text, ...proxy.restartOn) },
    after([idOf(conf), `Kubeconfig/${ADMIN_KUBECONFIG}`, ...proxy.dependsOn]),
  );
  return [conf, service];
}
