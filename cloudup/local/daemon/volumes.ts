/**
 * Attaching etcd members' volumes. When a machine of a member's instance group starts, the
 * daemon attaches the member's volumes to it: the volume folder appears at
 * `<root>/mnt/etcd-<etcd cluster>` and the volume records `attachedTo`. A volume is attached to
 * one machine at a time; it is detached when that machine is terminated, so the replacement
 * machine gets the same volume, and with it the member's data.
 */

import { lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventSink } from '../../../src/output/events.js';
import type { Instance } from '../api-types.js';
import { etcdMountPath, etcdVolumeOwner, volumeBelongsTo } from '../volume-tags.js';
import type { CloudState } from './state.js';

/** Clears the mount point for the volume's link: an old link or an empty folder goes; a folder with data stays (false). */
function replaceable(path: string): boolean {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return true;
  }
  if (!stat.isDirectory()) {
    rmSync(path, { force: true });
    return true;
  }
  if (readdirSync(path).length > 0) return false;
  rmdirSync(path);
  return true;
}

export function attachVolumes(state: CloudState, events: EventSink, instance: Instance): void {
  for (const volume of state.list('volumes')) {
    if (!volumeBelongsTo(volume.tags, instance.tags)) continue;
    const holder = volume.attachedTo === undefined ? undefined : state.get('instances', volume.attachedTo);
    if (holder !== undefined && holder.id !== instance.id && holder.state !== 'terminated') {
      events({ level: 'warn', code: 'volume.busy', message: `volume ${volume.name} stays with ${holder.id} (${holder.state}); ${instance.id} starts without it`, data: { volume: volume.id, instance: instance.id, holder: holder.id } });
      continue;
    }
    const owner = etcdVolumeOwner(volume.tags);
    if (owner === undefined) continue;
    const mount = join(instance.rootDir, etcdMountPath(owner.etcdCluster));
    mkdirSync(dirname(mount), { recursive: true });
    if (!replaceable(mount)) {
      // The machine wrote data there before its volume was attached: never hide or delete it.
      events({ level: 'warn', code: 'volume.mount-busy', message: `volume ${volume.name} is not attached to ${instance.id}: /${etcdMountPath(owner.etcdCluster)} is a folder with data of its own`, data: { volume: volume.id, instance: instance.id } });
      continue;
    }
    symlinkSync(volume.path, mount, 'dir');
    if (volume.attachedTo !== instance.id) {
      state.put('volumes', { ...volume, attachedTo: instance.id });
      events({ level: 'info', code: 'volume.attached', message: `attached ${volume.name} to ${instance.id} at /${etcdMountPath(owner.etcdCluster)}`, data: { volume: volume.id, instance: instance.id } });
    }
  }
}

export function detachVolumes(state: CloudState, events: EventSink, instanceId: string): void {
  for (const volume of state.list('volumes')) {
    if (volume.attachedTo !== instanceId) continue;
    const { attachedTo: _gone, ...rest } = volume;
    state.put('volumes', rest);
    events({ level: 'info', code: 'volume.detached', message: `detached ${volume.name} from ${instanceId}`, data: { volume: volume.id, instance: instanceId } });
  }
}

/**
 * The machine that still holds one of `instance`'s volumes (stopping: its member may still
 * write), if any. The instance's process waits for it, as a VM waits for its disks to attach.
 */
export function volumesHeldElsewhere(state: CloudState, instance: Instance): string | undefined {
  for (const volume of state.list('volumes')) {
    if (!volumeBelongsTo(volume.tags, instance.tags) || volume.attachedTo === undefined || volume.attachedTo === instance.id) continue;
    const holder = state.get('instances', volume.attachedTo);
    if (holder !== undefined && holder.state !== 'terminated') return holder.id;
  }
  return undefined;
}
