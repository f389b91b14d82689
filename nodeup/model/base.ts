/**
 * What every machine gets, whatever its role: OS packages, kernel settings, the clock and OS
 * updates (os.ts) and the group's volume mounts, which come first: the services that use a
 * mounted path start after it is mounted.
 */

import type { Task, TaskId } from '../../src/engine/task.js';
import type { ModelInput } from './types.js';
import { after } from './types.js';
import { osPackages, osTasks } from './os.js';
import { volumeMountTasks } from './volumes.js';
import { packageTask } from '../tasks/package.js';
import { sysctlTask } from '../tasks/sysctl.js';

export const SYSCTL_FILE = '/etc/sysctl.d/99-k8s-general.conf';

export function baseTasks({ config }: ModelInput): Task[] {
  // One task per package, also when the spec lists one that ntp or updatePolicy needs too.
  const extra = osPackages(config);
  const made = new Map<string, Task>();
  const packageOf = (name: string, dependsOn: readonly TaskId[] = []): Task => {
    const task = made.get(name) ?? packageTask(name, { installed: true }, after(dependsOn));
    made.set(name, task);
    return task;
  };
  const os = osTasks(config, packageOf);
  const tasks: Task[] = [...volumeMountTasks(config), ...config.packages.filter((p) => !extra.includes(p)).map((p) => packageOf(p)), ...os];
  if (Object.keys(config.sysctls).length > 0) tasks.push(sysctlTask(SYSCTL_FILE, { settings: { ...config.sysctls } }));
  return tasks;
}
