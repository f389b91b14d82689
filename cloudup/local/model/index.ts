/** The local cloud's model: a completed spec becomes the tasks of a local cluster. */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { Task } from '../../../src/engine/task.js';
import { apiTasks } from './api.js';
import { etcdTasks } from './etcd.js';
import { instanceGroupTasks } from './instance-groups.js';
import type { BootOptions } from '../../cloud.js';
import { networkTasks } from './network.js';

export function buildLocalTasks(spec: CompletedSpec, boot: BootOptions): Task[] {
  const network = networkTasks(spec);
  return [...network, ...apiTasks(spec, network[0]!.name), ...instanceGroupTasks(spec, boot), ...etcdTasks(spec)];
}
