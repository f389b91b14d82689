/**
 * Disk: an etcd member's persistent disk, in the zone of its control-plane group. A disk only
 * grows (resize); a smaller size is refused rather than planned as a replacement, which would
 * lose the member's data. Labels are set in place. A disk whose member left the spec is kept
 * until the cluster is torn down.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import { lastSegment } from '../links.js';
import { listDisks } from '../listings.js';
import { ETCD_CLUSTER_LABEL, ETCD_MEMBER_LABEL } from '../labels.js';
import { gceKind, touched } from './gce-kind.js';
import { setLabels } from './set-labels.js';

type Disk = protos.google.cloud.compute.v1.IDisk;

export interface DiskFields {
  readonly zone: string;
  readonly sizeGb: number;
  /** The disk type's name: pd-ssd, pd-balanced, … */
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const diskTask = taskConstructor<DiskFields>('Disk');

export const diskKind = gceKind<Disk, DiskFields>({
  kind: 'Disk',
  uses: [],
  list: listDisks,
  read: (ctx, name, f) => ctx.compute.get(`get disk ${name}`, () => ctx.compute.clients.disks.get({ project: ctx.project, zone: f.zone, disk: name })),
  fields: (d) => ({ zone: lastSegment(d.zone ?? ''), sizeGb: Number(d.sizeGb ?? 0), type: lastSegment(d.type ?? ''), labels: { ...d.labels } }),
  async insert(ctx, name, d) {
    const zone = d.zone;
    await ctx.compute.mutate(`insert disk ${name}`, (requestId) =>
      ctx.compute.clients.disks.insert({
        project: ctx.project,
        zone,
        requestId,
        diskResource: { name, description: ctx.description, sizeGb: d.sizeGb, type: `zones/${zone}/diskTypes/${d.type}`, labels: { ...d.labels } },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete disk ${live.name}`, (requestId) => ctx.compute.clients.disks.delete({ project: ctx.project, zone: live.fields.zone, disk: live.name, requestId }));
  },
  immutable: ['zone', 'type'],
  // A member that leaves the spec leaves its data behind: only a teardown deletes its disk (docs/etcd.md).
  kept: (ctx, d) => (ctx.mode.reconciling ? `it holds the data of member ${d.labels?.[ETCD_MEMBER_LABEL] ?? '?'} of etcd cluster ${d.labels?.[ETCD_CLUSTER_LABEL] ?? '?'}` : undefined),
  async update(ctx, live, d, changes) {
    const at = { project: ctx.project, zone: live.fields.zone, disk: live.name };
    const fields = touched(changes);
    if (fields.has('sizeGb')) {
      const size = d.sizeGb;
      if (size < live.fields.sizeGb) {
        throw new HoistError('IMMUTABLE_FIELD', `disk ${live.name} is ${String(live.fields.sizeGb)} GB: a persistent disk can grow but not shrink (asked for ${size} GB)`, {
          hint: 'keep volumeSize at least as large as it is',
        });
      }
      await ctx.compute.mutate(`resize disk ${live.name}`, (requestId) => ctx.compute.clients.disks.resize({ ...at, requestId, disksResizeRequestResource: { sizeGb: size } }));
    }
    if (fields.has('labels')) {
      await setLabels(
        ctx.compute,
        `disk ${live.name}`,
        () => ctx.compute.get(`get disk ${live.name}`, () => ctx.compute.clients.disks.get(at)),
        (labels, labelFingerprint, requestId) =>
          ctx.compute.clients.disks.setLabels({ project: at.project, zone: at.zone, resource: live.name, requestId, zoneSetLabelsRequestResource: { labels, labelFingerprint } }),
        d.labels,
      );
    }
  },
});
