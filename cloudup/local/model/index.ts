/** The local cloud's model: a completed spec becomes the tasks of a local cluster. */

import type { CompletedSpec } from '../../../src/api/index.js';
import { settleSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { apiTasks } from './api.js';
import { etcdTasks } from './etcd.js';
import { instanceGroupTasks } from './instance-groups.js';
import type { BootOptions } from '../../provider.js';
import { localSpecRules } from '../spec-rules.js';
import { networkTasks } from './network.js';

/** Throws a ValidationError for a spec that lacks what validation would have made sure of. */
export function buildLocalTasks(completed: CompletedSpec, boot: BootOptions): Task[] {
  const spec = settleSpec(completed, localSpecRules);
  const network = networkTasks(spec);
  return [...network.tasks, ...apiTasks(spec, network.network), ...instanceGroupTasks(spec, boot), ...etcdTasks(spec)];
}
