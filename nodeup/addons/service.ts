/**
 * How nodeup installs the addon applier on a control-plane machine (kops runs its `channels`
 * the same way): the service's configuration (`/etc/hoist/addons.json`) and the unit
 * `hoist-addons.service`, a long-running service that talks to the API through the admin
 * kubeconfig nodeup already writes for the control plane (`/etc/kubernetes/admin.conf`, a
 * system:masters client). Like the etcd backup service (nodeup/etcd/backup-service-unit.ts) it
 * runs the nodeup bundle the boot script installed with the Node.js it installed, from `/`, so
 * that on a local cloud instance (whose supervisor starts programs in the instance's root) it
 * reads the instance's files, as on a real machine it reads the machine's.
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { bundleServiceUnit } from '../services/bundle-unit.js';
import { serviceTask } from '../tasks/service.js';
import { ADMIN_KUBECONFIG } from '../model/bootstrap-rbac.js';
import type { ModelInput } from '../model/types.js';
import { after, file, hashOf } from '../model/types.js';
import { bundleServiceProxy } from '../model/egress-proxy.js';

export const ADDONS_SERVICE_CONF = '/etc/hoist/addons.json';
export const ADDONS_SERVICE_UNIT = 'hoist-addons.service';

/** The service's configuration file. */
export interface AddonsServiceConfig {
  readonly cluster: string;
  readonly instanceId: string;
  readonly stateStore: string;
  /** Node path of the kubeconfig it applies with. */
  readonly kubeconfig: string;
}

export function addonsServiceUnit(conf: string, environmentFile?: string): string {
  return bundleServiceUnit({ description: "applies the cluster addons of the state store's channel", after: ['kubelet.service'], command: 'addons-applier', conf, ...(environmentFile === undefined ? {} : { environmentFile }) });
}

/** On a control-plane machine: the configuration and the unit, started once the admin kubeconfig is written. */
export function addonsServiceTasks(input: ModelInput): Task[] {
  if (input.config.role !== 'ControlPlane') return [];
  const config: AddonsServiceConfig = { cluster: input.config.cluster, instanceId: input.node.instanceId, stateStore: input.config.stateStore, kubeconfig: ADMIN_KUBECONFIG };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const conf = file(ADDONS_SERVICE_CONF, text);
  const proxy = bundleServiceProxy(input.config);
  const service = serviceTask(
    ADDONS_SERVICE_UNIT,
    { unit: addonsServiceUnit(ADDONS_SERVICE_CONF, proxy.environmentFile), enabled: true, running: true, restartOn: hashOf(text, ...proxy.restartOn) },
    after([idOf(conf), `Kubeconfig/${ADMIN_KUBECONFIG}`, ...proxy.dependsOn]),
  );
  return [conf, service];
}
