/**
 * The zonal listings: one aggregated call (paged) covers every zone, so discovery costs the same
 * however many zones and groups the cluster has, and finds what is left in zones it no longer uses.
 */

import type { protos } from '@google-cloud/compute';
import type { GceContext } from './context.js';
import { descriptionFilter, labelFilter } from './labels.js';

type Manager = protos.google.cloud.compute.v1.IInstanceGroupManager;
type Instance = protos.google.cloud.compute.v1.IInstance;
type Disk = protos.google.cloud.compute.v1.IDisk;

// Async paging walks every page itself; saying so keeps the library from warning on stderr.
const PAGED = { autoPaginate: false } as const;

/** The cluster's managed instance groups (they have no labels: by description). */
export async function listManagers(ctx: GceContext): Promise<Manager[]> {
  const c = ctx.compute.clients.instanceGroupManagers;
  const scoped = await ctx.compute.aggregated('list instance group managers', () => c.aggregatedListAsync({ project: ctx.project, filter: descriptionFilter(ctx.cluster) }, PAGED));
  return scoped.flatMap(([, s]) => s.instanceGroupManagers ?? []);
}

/** The cluster's instances, by the label their template gave them. */
export async function listClusterInstances(ctx: GceContext): Promise<Instance[]> {
  const c = ctx.compute.clients.instances;
  const scoped = await ctx.compute.aggregated('list instances', () => c.aggregatedListAsync({ project: ctx.project, filter: labelFilter(ctx.cluster) }, PAGED));
  return scoped.flatMap(([, s]) => s.instances ?? []);
}

/** The cluster's disks, by label. */
export async function listDisks(ctx: GceContext): Promise<Disk[]> {
  const c = ctx.compute.clients.disks;
  const scoped = await ctx.compute.aggregated('list disks', () => c.aggregatedListAsync({ project: ctx.project, filter: labelFilter(ctx.cluster) }, PAGED));
  return scoped.flatMap(([, s]) => s.disks ?? []);
}
