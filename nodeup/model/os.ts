/**
 * The machine's clock and OS updates, as kops's nodeup sets them: with `ntp.managed`, chrony
 * pointed at the cloud's time service; with `updatePolicy`, apt's periodic unattended upgrades
 * on (automatic) or off (external). Without either, the image's own settings are left alone.
 */

import type { Task, TaskId } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import type { NodeupConfig } from '../config/schema.js';
import { fileTask } from '../tasks/file.js';
import { serviceTask } from '../tasks/service.js';
import { after, hashOf } from './types.js';

export const CHRONY_SOURCES = '/etc/chrony/sources.d/hoist.sources';
export const AUTO_UPGRADES = '/etc/apt/apt.conf.d/20auto-upgrades';
export const CHRONY_RELOAD_UNIT = 'hoist-chrony-sources.service';

/** The OS packages these settings need besides the spec's: their tasks are made with the others. */
export function osPackages(config: NodeupConfig): string[] {
  return [...(config.ntp ? ['chrony'] : []), ...(config.updatePolicy === 'automatic' ? ['unattended-upgrades'] : [])];
}

/**
 * The files and units; `packageTask` gives the task of a package (made once, by base.ts), so
 * that chrony is installed after its source file exists: its first start reads it.
 */
export function osTasks(config: NodeupConfig, packageOf: (name: string, dependsOn: readonly TaskId[]) => Task): Task[] {
  const tasks: Task[] = [];
  if (config.ntp) {
    const server = config.ntp.server;
    const sources = server === undefined ? undefined : fileTask(CHRONY_SOURCES, { content: `# The cloud's time service (spec.ntp.managed), written by hoist nodeup.\nserver ${server} prefer iburst minpoll 4 maxpoll 4\n`, mode: '0644' });
    const chrony = packageOf('chrony', sources ? [idOf(sources)] : []);
    tasks.push(...(sources ? [sources] : []), chrony);
    if (sources) {
      // A chrony that was running before the file was written (an image that ships it) reads
      // sources.d only when told to.
      const unit = [
        '[Unit]',
        'Description=hoist: chrony reads the cloud\'s time source',
        'After=chrony.service',
        'Wants=chrony.service',
        '',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        'ExecStart=/usr/bin/chronyc reload sources',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n');
      tasks.push(serviceTask(CHRONY_RELOAD_UNIT, { unit, enabled: true, running: true, restartOn: hashOf(server) }, after([idOf(sources), idOf(chrony)])));
    }
  }
  if (config.updatePolicy === 'automatic') {
    const file = fileTask(AUTO_UPGRADES, { content: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\nAPT::Periodic::AutocleanInterval "7";\n', mode: '0644' });
    tasks.push(file, packageOf('unattended-upgrades', [idOf(file)]));
  } else if (config.updatePolicy === 'external') {
    tasks.push(fileTask(AUTO_UPGRADES, { content: 'APT::Periodic::Enable "0";\n', mode: '0644' }));
  }
  return tasks;
}
