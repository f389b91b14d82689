/** What every machine gets, whatever its role: kernel settings and OS packages. */

import type { Task } from '../../src/engine/task.js';
import type { ModelInput } from './types.js';
import { packageTask } from '../tasks/package.js';
import { sysctlTask } from '../tasks/sysctl.js';

export const SYSCTL_FILE = '/etc/sysctl.d/99-k8s-general.conf';

export function baseTasks({ config }: ModelInput): Task[] {
  const tasks: Task[] = config.packages.map((p) => packageTask(p, { installed: true }));
  if (Object.keys(config.sysctls).length > 0) tasks.push(sysctlTask(SYSCTL_FILE, { settings: { ...config.sysctls } }));
  return tasks;
}
