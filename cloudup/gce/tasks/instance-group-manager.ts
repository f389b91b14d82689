/**
 * InstanceGroupManager: a zonal managed instance group, one per instance group and zone. A new
 * template is set with setInstanceTemplate, a size with resize, pools with setTargetPools, the
 * policy with a patch. Discovered in one aggregated listing for all zones.
 *
 * A group has no bounds on GCE, so the task carries them: a new group starts at targetSize (its
 * zone's share of minSize), and a live size between targetSize and maxSize is left alone, so that
 * a resize by hand or by cluster-autoscaler is not undone by every apply (as AWS's desired
 * capacity is clamped into its group's bounds). A size outside them is clamped back in.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { lastSegment, relativeLink } from '../links.js';
import { listManagers } from '../listings.js';
import { gceKind, touched } from './gce-kind.js';

type Manager = protos.google.cloud.compute.v1.IInstanceGroupManager;

export interface InstanceGroupManagerFields {
  readonly zone: string;
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

export const instanceGroupManagerKind = gceKind<Manager, InstanceGroupManagerFields>({
  kind: 'InstanceGroupManager',
  // Its instances use the network, the subnetwork and (for etcd) the disks: it goes first.
  uses: ['InstanceTemplate', 'TargetPool', 'Network', 'Subnetwork', 'Disk'],
  list: listManagers,
  read: (ctx, name, f) =>
    ctx.compute.get(`get instance group manager ${name}`, () =>
      ctx.compute.clients.instanceGroupManagers.get({ project: ctx.project, zone: f.zone, instanceGroupManager: name }),
    ),
  fields: (g) => ({
    zone: lastSegment(g.zone ?? ''),
    baseInstanceName: g.baseInstanceName ?? '',
    instanceTemplate: relativeLink(g.instanceTemplate),
    targetSize: Number(g.targetSize ?? 0),
    targetPools: (g.targetPools ?? []).map(relativeLink).sort(),
    updatePolicy: { type: g.updatePolicy?.type ?? '' },
  }),
  outputs: (g) => ({ instanceGroup: relativeLink(g.instanceGroup), targetSize: Number(g.targetSize ?? 0) }),
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert instance group manager ${name}`, (requestId) =>
      ctx.compute.clients.instanceGroupManagers.insert({
        project: ctx.project,
        zone: d.zone,
        requestId,
        instanceGroupManagerResource: {
          name,
          description: ctx.description,
          baseInstanceName: d.baseInstanceName,
          instanceTemplate: d.instanceTemplate,
          targetSize: d.targetSize,
          targetPools: [...d.targetPools],
          updatePolicy: { type: d.updatePolicy.type },
        },
      }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete instance group manager ${live.name}`, (requestId) =>
      ctx.compute.clients.instanceGroupManagers.delete({ project: ctx.project, zone: live.fields.zone, instanceGroupManager: live.name, requestId }),
    );
  },
  // A live size within the bounds compares equal to them; below, targetSize shows the raise to it; above, maxSize the cut.
  comparable: (live, d) => {
    if (d.maxSize === undefined) return live;
    const size = live.targetSize;
    if (size < bounds(d).min) return { ...live, maxSize: d.maxSize };
    return { ...live, targetSize: d.targetSize, maxSize: size > bounds(d).max ? size : d.maxSize };
  },
  immutable: ['zone', 'baseInstanceName'],
  async update(ctx, live, d, changes) {
    const c = ctx.compute.clients.instanceGroupManagers;
    const at = { project: ctx.project, zone: live.fields.zone, instanceGroupManager: live.name };
    const fields = touched(changes);
    if (fields.has('instanceTemplate')) {
      await ctx.compute.mutate(`set the template of ${live.name}`, (requestId) =>
        c.setInstanceTemplate({ ...at, requestId, instanceGroupManagersSetInstanceTemplateRequestResource: { instanceTemplate: d.instanceTemplate } }),
      );
    }
    const { min, max } = bounds(d);
    const size = Math.min(max, Math.max(min, live.fields.targetSize));
    if (size !== live.fields.targetSize) {
      await ctx.compute.mutate(`resize ${live.name}`, (requestId) => c.resize({ ...at, requestId, size }));
    }
    if (fields.has('targetPools')) {
      const current = await ctx.compute.get(`get instance group manager ${live.name}`, () => c.get(at));
      await ctx.compute.mutate(`set the target pools of ${live.name}`, (requestId) =>
        c.setTargetPools({
          ...at,
          requestId,
          instanceGroupManagersSetTargetPoolsRequestResource: { targetPools: [...d.targetPools], fingerprint: current?.fingerprint ?? null },
        }),
      );
    }
    if (fields.has('updatePolicy')) {
      await ctx.compute.mutate(`patch ${live.name}`, (requestId) =>
        c.patch({ ...at, requestId, instanceGroupManagerResource: { updatePolicy: { type: d.updatePolicy.type } } }),
      );
    }
  },
});

function bounds(d: InstanceGroupManagerFields): { min: number; max: number } {
  return { min: d.targetSize, max: Math.max(d.targetSize, d.maxSize ?? d.targetSize) };
}
