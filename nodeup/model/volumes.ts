/** The group's volumeMounts: each device formatted when blank and mounted at its path (kops's volumeMounts). */

import type { Task } from '../../src/engine/task.js';
import type { NodeupConfig } from '../config/schema.js';
import { volumeMountTask } from '../tasks/volume-mount.js';

export function volumeMountTasks(config: NodeupConfig): Task[] {
  return (config.volumeMounts ?? []).map((m) => volumeMountTask(m.path, { device: m.device, filesystem: m.filesystem, formatOptions: [...m.formatOptions], mountOptions: [...m.mountOptions] }));
}
