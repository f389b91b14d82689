/**
 * How nodeup installs the scheduled backups on a control-plane machine: the service's
 * configuration (`/etc/hoist/etcd-backup.json`: the machine's members and the client
 * certificate nodeup's etcd client uses) and the unit `etcd-backup.service`, a long-running
 * service started after the members, as the members' own units are (./unit.ts). It runs the
 * nodeup bundle the boot script installed with the Node.js it installed, from `/`, so that on a
 * local cloud instance (whose supervisor starts programs in the instance's root) it reads the
 * instance's files, as on a real machine it reads the machine's.
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { bundleServiceUnit } from '../services/bundle-unit.js';
import { serviceTask } from '../tasks/service.js';
import type { ModelInput } from '../model/types.js';
import { after, file, hashOf } from '../model/types.js';
import { bundleServiceProxy } from '../model/egress-proxy.js';
import type { BackupServiceConfig, BackupServiceMember } from './backup-service.js';

export const BACKUP_SERVICE_CONF = '/etc/hoist/etcd-backup.json';
export const BACKUP_SERVICE_UNIT = 'etcd-backup.service';

export function backupServiceUnit(conf: string, environmentFile?: string): string {
  return bundleServiceUnit({ description: 'scheduled etcd backups of this control-plane machine', command: 'etcd-backup-service', conf, ...(environmentFile === undefined ? {} : { environmentFile }) });
}

/** `members`: this machine's etcd members with their EtcdMember tasks, which start first (and whose new certificates restart it). */
export function backupServiceTasks(input: ModelInput, members: readonly { readonly member: BackupServiceMember; readonly task: Task }[]): Task[] {
  if (members.length === 0) return [];
  const config: BackupServiceConfig = {
    cluster: input.config.cluster,
    instanceGroup: input.config.instanceGroup,
    instanceId: input.node.instanceId,
    stateStore: input.config.stateStore,
    members: members.map((m) => m.member),
  };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const conf = file(BACKUP_SERVICE_CONF, text);
  const proxy = bundleServiceProxy(input.config);
  const unit = backupServiceUnit(BACKUP_SERVICE_CONF, proxy.environmentFile);
  const service = serviceTask(BACKUP_SERVICE_UNIT, { unit, enabled: true, running: true, restartOn: hashOf(text, members.map((m) => m.task.desired), ...proxy.restartOn) }, after([idOf(conf), ...members.map((m) => idOf(m.task)), ...proxy.dependsOn]));
  return [conf, service];
}
