/**
 * `zones/Z/instances`: read, label, delete, and attach or detach disks. Instances come from
 * managed groups; a deleted member is made again by its group, as on GCE. Creating standalone
 * instances is not covered.
 */

import type { Collection, Method } from '../collection.js';
import { ApiError, inUse, invalid, required } from '../errors.js';
import { link, resolveRef } from '../links.js';
import { startDeleting } from '../migs.js';
import { usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { setLabels } from './labels.js';

const attachedDisks = (i: Json): Json[] => (i.disks as Json[] | undefined) ?? [];

/**
 * `attachDisk`: a disk of the instance's zone, READ_WRITE on one instance only, under a device
 * name not used on the instance yet (by default the disk's name), as GCE checks them.
 */
const attachDisk: Method = (ctx, path, r, body) => {
  if (body.source === undefined) throw required('resource.source');
  const diskPath = resolveRef(ctx.project, body.source, 'resource.source');
  const zonePath = path.replace(/\/instances\/[^/]+$/, '');
  if (!diskPath.startsWith(`${zonePath}/disks/`)) throw invalid('resource.source', body.source, `Disk must be in the instance's zone ${ctx.scope.name}.`);
  const disk = ctx.state.mustGet(diskPath);
  const mode = body.mode ?? 'READ_WRITE';
  if (mode !== 'READ_WRITE' && mode !== 'READ_ONLY') throw invalid('resource.mode', mode, 'Expected READ_WRITE or READ_ONLY.');
  const holders = usersOf(ctx, diskPath, [['instances', (i) => attachedDisks(i).filter((d) => d.mode === 'READ_WRITE' || mode === 'READ_WRITE').map((d) => d.source)]]);
  if (holders.includes(path)) throw invalid('resource.source', body.source, 'The disk is already attached to this instance.');
  if (holders.length > 0) throw new ApiError(400, 'resourceInUseByAnotherResource', `The disk resource '${diskPath}' is already being used by '${holders[0]!}'`);
  const deviceName = body.deviceName ?? disk.name;
  const disks = attachedDisks(r);
  if (disks.some((d) => d.deviceName === deviceName)) throw invalid('resource.deviceName', deviceName, 'A disk with this device name is already attached to the instance.');
  r.disks = [
    ...disks,
    { kind: 'compute#attachedDisk', type: 'PERSISTENT', mode, boot: false, autoDelete: body.autoDelete === true, index: disks.length, deviceName, source: link(diskPath), diskSizeGb: disk.sizeGb },
  ];
  return { operation: 'attachDisk' };
};

/** `detachDisk?deviceName=D`. */
const detachDisk: Method = (_ctx, path, r, _body, query) => {
  const deviceName = query.get('deviceName');
  if (deviceName === null) throw required('deviceName');
  const disks = attachedDisks(r);
  const found = disks.find((d) => d.deviceName === deviceName);
  if (!found) throw invalid('deviceName', deviceName, `No disk with this device name is attached to ${path}.`);
  if (found.boot === true) throw inUse(String(found.source), path);
  r.disks = disks.filter((d) => d !== found);
  return { operation: 'detachDisk' };
};

export const instances: Collection = {
  name: 'instances',
  kind: 'compute#instance',
  scope: 'zone',
  insert() {
    throw new ApiError(501, 'notImplemented', 'The fake makes instances through managed instance groups only.');
  },
  remove(ctx, path) {
    if (!ctx.state.managed.has(path)) {
      ctx.state.resources.delete(path);
      return undefined;
    }
    startDeleting(ctx.state, path);
    return () => !ctx.state.resources.has(path);
  },
  methods: { setLabels, attachDisk, detachDisk },
};
