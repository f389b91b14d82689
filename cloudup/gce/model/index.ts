/** The GCE cloud's model: a completed spec becomes the tasks of a GCE cluster. */

import type { CompletedSpec } from '../../../src/api/index.js';
import { settleSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf } from '../../../src/engine/task.js';
import type { BootOptions } from '../../provider.js';
import { gceSpecRules } from '../spec-rules.js';
import { apiTasks } from './api.js';
import { etcdTasks } from './etcd.js';
import { iamTasks } from './iam.js';
import { instanceGroupTasks } from './instance-groups.js';
import { networkTasks } from './network.js';
import { workloadIdentityTasks } from './workload-identity.js';
import type { WorkloadIdentityOptions } from './workload-identity.js';

/** Throws a ValidationError for a spec that lacks what validation would have made sure of. */
export function buildGceTasks(completed: CompletedSpec, boot: BootOptions, options: WorkloadIdentityOptions = {}): Task[] {
  const spec = settleSpec(completed, gceSpecRules);
  const network = networkTasks(spec);
  const api = apiTasks(spec, network);
  const iam = iamTasks(spec, boot.stateStore);
  const groups = instanceGroupTasks(spec, boot, { network: network.network, subnetworks: network.subnetworks, ...(api.targetPool ? { targetPool: idOf(api.targetPool) } : {}), accounts: iam.accounts });
  return [...network.tasks, ...api.tasks, ...iam.tasks, ...groups, ...etcdTasks(spec), ...workloadIdentityTasks(spec, boot, options)];
}
