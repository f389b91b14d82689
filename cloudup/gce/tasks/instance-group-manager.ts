/**
 * InstanceGroupManager: a managed instance group, zonal (one per instance group and zone, as
 * kops makes them) or regional (one per instance group, its instances spread over the group's
 * zones by the distribution policy). A new template is set with setInstanceTemplate, a size with
 * resize, pools with setTargetPools, the policy with a patch. Both are discovered in one
 * aggregated listing, which holds the zonal and the regional groups.
 *
 * A group has no bounds on GCE, so the task carries them: a new group starts at targetSize (its
 * zone's share of minSize, or all of it for a regional group), and a live size between
 * targetSize and maxSize is left alone, so that a resize by hand or by cluster-autoscaler is not
 * undone by every apply (as AWS's desired capacity is clamped into its group's bounds). A size
 * outside them is clamped back in.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { groupCalls, locationOf } from '../group-managers.js';
import type { GroupLocation } from '../group-managers.js';
import { lastSegment, relativeLink } from '../links.js';
import { listManagers } from '../listings.js';
import { gceKind, touched } from './gce-kind.js';

type Manager = protos.google.cloud.compute.v1.IInstanceGroupManager;

export interface InstanceGroupManagerFields {
  /** A zonal group's zone; absent for a regional group. */
  readonly zone?: string;
  /** A regional group's region; absent for a zonal group. */
  readonly region?: string;
  /** A regional group's zones (its distribution policy, spread EVEN), sorted. */
  readonly distributionZones?: readonly string[];
  readonly baseInstanceName: string;
  /** The template's link. */
  readonly instanceTemplate: string;
  /** The size a new group starts at, and the least an apply keeps it at. */
  readonly targetSize: number;
  /** The most an apply lets the group keep; absent: the group is kept at exactly targetSize. */
  readonly maxSize?: number;
  /** Links: the API load balancer's pool, for the control plane's groups. */
  readonly targetPools: readonly string[];
  /** OPPORTUNISTIC: a new template only marks instances out of date; the rolling update replaces them. */
  readonly updatePolicy: { readonly type: string };
}

export const instanceGroupManagerTask = taskConstructor<InstanceGroupManagerFields>('InstanceGroupManager');

const at = (f: Partial<InstanceGroupManagerFields>): GroupLocation => (f.region ? { region: f.region } : { zone: f.zone ?? '' });

export const instanceGroupManagerKind = gceKind<Manager, InstanceGroupManagerFields>({
  kind: 'InstanceGroupManager',
  // Its instances use the network, the subnetwork and (for etcd) the disks: it goes first.
  uses: ['InstanceTemplate', 'TargetPool', 'Network', 'Subnetwork', 'Disk'],
  list: listManagers,
  read: (ctx, name, f) => groupCalls(ctx, at(f), name).get(),
  fields: (g) => {
    const where = locationOf(g);
    const zones = (g.distributionPolicy?.zones ?? []).map((z) => lastSegment(z.zone ?? '')).sort();
    return {
      ...(where.region ? { region: where.region, distributionZones: zones } : { zone: where.zone }),
      baseInstanceName: g.baseInstanceName ?? '',
      instanceTemplate: relativeLink(g.instanceTemplate),
      targetSize: Number(g.targetSize ?? 0),
      targetPools: (g.targetPools ?? []).map(relativeLink).sort(),
      updatePolicy: { type: g.updatePolicy?.type ?? '' },
    };
  },
  outputs: (g) => ({ instanceGroup: relativeLink(g.instanceGroup), targetSize: Number(g.targetSize ?? 0) }),
  async insert(ctx, name, d) {
    await groupCalls(ctx, at(d), name).insert({
      name,
      description: ctx.description,
      baseInstanceName: d.baseInstanceName,
      instanceTemplate: d.instanceTemplate,
      targetSize: d.targetSize,
      targetPools: [...d.targetPools],
      updatePolicy: { type: d.updatePolicy.type },
      // EVEN: GCE keeps the zones' counts within one of each other, as the zonal groups' spread does.
      ...(d.distributionZones ? { distributionPolicy: { zones: d.distributionZones.map((z) => ({ zone: `zones/${z}` })), targetShape: 'EVEN' } } : {}),
    });
  },
  async remove(ctx, live) {
    await groupCalls(ctx, at(live.fields), live.name).remove();
  },
  // A live size within the bounds compares equal to them; below, targetSize shows the raise to it; above, maxSize the cut.
  comparable: (live, d) => {
    if (d.maxSize === undefined) return live;
    const size = live.targetSize;
    if (size < bounds(d).min) return { ...live, maxSize: d.maxSize };
    return { ...live, targetSize: d.targetSize, maxSize: size > bounds(d).max ? size : d.maxSize };
  },
  // A group's zones are fixed when it is made: a regional group over other zones is a new group.
  immutable: ['zone', 'region', 'distributionZones', 'baseInstanceName'],
  async update(ctx, live, d, changes) {
    const calls = groupCalls(ctx, at(live.fields), live.name);
    const fields = touched(changes);
    if (fields.has('instanceTemplate')) await calls.setInstanceTemplate(d.instanceTemplate);
    const { min, max } = bounds(d);
    const size = Math.min(max, Math.max(min, live.fields.targetSize));
    if (size !== live.fields.targetSize) await calls.resize(size);
    if (fields.has('targetPools')) {
      const current = await calls.get();
      await calls.setTargetPools(d.targetPools, current?.fingerprint ?? null);
    }
    if (fields.has('updatePolicy')) await calls.patch({ updatePolicy: { type: d.updatePolicy.type } });
  },
});

function bounds(d: InstanceGroupManagerFields): { min: number; max: number } {
  return { min: d.targetSize, max: Math.max(d.targetSize, d.maxSize ?? d.targetSize) };
}
