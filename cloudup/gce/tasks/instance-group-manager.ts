/**
 * InstanceGroupManager: a zonal managed instance group, one per instance group and zone. A new
 * template is set with setInstanceTemplate, a size with resize, pools with setTargetPools, the
 * policy with a patch. Discovered in one aggregated listing for all zones.
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
  readonly targetSize: number;
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
    if (fields.has('targetSize')) {
      await ctx.compute.mutate(`resize ${live.name}`, (requestId) => c.resize({ ...at, requestId, size: d.targetSize }));
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
