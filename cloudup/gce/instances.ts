/**
 * The cloud side of rolling updates on GCE. An instance needs an update when the template it was
 * made from (its `instance-template` metadata, which GCE sets) is not its group's template. A
 * group replaces an instance in place (recreateInstances: same name, new template, the group
 * one short meanwhile) or with a surge (resize up, wait for the new instance, deleteInstances
 * of the old one, which also brings the target size back).
 */

import type { protos } from '@google-cloud/compute';
import { HoistError } from '../../src/errors.js';
import type { Compute } from './compute.js';
import type { GceContext } from './context.js';
import { INSTANCE_GROUP_LABEL, ROLE_LABEL } from './labels.js';
import { groupCalls, groupKey, locationOf } from './group-managers.js';
import type { GroupLocation } from './group-managers.js';
import { lastSegment } from './links.js';
import { listClusterInstances, listManagers } from './listings.js';
import type { CloudInstance } from '../provider.js';
import { outOfDate } from '../rolling/out-of-date.js';

type Manager = protos.google.cloud.compute.v1.IInstanceGroupManager;
type Instance = protos.google.cloud.compute.v1.IInstance;
type Managed = protos.google.cloud.compute.v1.IManagedInstance;

/**
 * An instance as `get instances` and rolling updates see it. `instanceGroup` is the spec's
 * InstanceGroup (from the instance's label); `groupManager` is the managed group that made it.
 */
export interface GceInstance extends CloudInstance {
  /** The instance name (unique in its zone); `id` is GCE's numeric id. */
  readonly name: string;
  readonly groupManager: string;
  readonly zone: string;
  /** The region of a regional managed group (its instances are in several zones); absent for a zonal group, which is in `zone`. */
  readonly groupRegion?: string;
  /** The template it was made from, and the one its group makes instances from now. */
  readonly template: string;
  readonly groupTemplate: string;
  readonly needsUpdate: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ReplaceOptions {
  /** Start the replacement before the old instance goes (resize up, then delete). Default: recreate in place. */
  readonly surge?: boolean;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const metadata = (i: Instance, key: string): string => i.metadata?.items?.find((m) => m.key === key)?.value ?? '';

/** Every instance of the cluster, with its group and whether it is out of date: two calls, however many groups. */
export async function listInstances(ctx: GceContext, known?: readonly Manager[]): Promise<GceInstance[]> {
  const [groups, scoped] = await Promise.all([
    known ?? listManagers(ctx),
    listClusterInstances(ctx),
  ]);
  const templateOf = new Map(groups.map((g) => [groupKey(locationOf(g), g.name ?? ''), lastSegment(g.instanceTemplate ?? '')]));
  return scoped
    .map((i): GceInstance => {
      const zone = lastSegment(i.zone ?? '');
      // `projects/N/zones/Z/instanceGroupManagers/G`, or `regions/R/…` for a regional group.
      const createdBy = /\/(zones|regions)\/([^/]+)\/instanceGroupManagers\/([^/]+)$/.exec(metadata(i, 'created-by'));
      const group = createdBy?.[3] ?? lastSegment(metadata(i, 'created-by'));
      const groupRegion = createdBy?.[1] === 'regions' ? createdBy[2] : undefined;
      const template = lastSegment(metadata(i, 'instance-template'));
      const groupTemplate = templateOf.get(groupKey(groupRegion ? { region: groupRegion } : { zone }, group)) ?? '';
      const address = i.networkInterfaces?.[0]?.networkIP;
      return {
        id: String(i.id ?? ''),
        name: i.name ?? '',
        instanceGroup: i.labels?.[INSTANCE_GROUP_LABEL] ?? '',
        role: i.labels?.[ROLE_LABEL] ?? '',
        // GCE's status: PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED, …
        state: String(i.status ?? ''),
        ...(address ? { address } : {}),
        launchedAt: i.creationTimestamp ?? '',
        groupManager: group,
        zone,
        ...(groupRegion ? { groupRegion } : {}),
        template,
        groupTemplate,
        needsUpdate: outOfDate({ state: String(i.status ?? ''), launchedFrom: template, groupLaunches: groupTemplate }).needsUpdate,
        labels: { ...i.labels },
      };
    })
    .sort((a, b) => a.groupManager.localeCompare(b.groupManager) || a.name.localeCompare(b.name));
}

/**
 * Replaces one instance (by name or id) with one made from its group's current template.
 * `group` is the spec's InstanceGroup or the managed group's own name.
 */
export async function replaceInstance(ctx: GceContext, group: string, instance: string, options: ReplaceOptions = {}): Promise<void> {
  const found = (await listInstances(ctx)).find((i) => (i.name === instance || i.id === instance) && (i.instanceGroup === group || i.groupManager === group));
  if (!found) throw new HoistError('NOT_FOUND', `instance ${instance} of group ${group} does not exist in project ${ctx.project}`, { hint: 'list the instances again: it may have been replaced already' });
  const manager = found.groupManager;
  const calls = groupCalls(ctx, groupLocation(found), manager);
  const link = `zones/${found.zone}/instances/${found.name}`;
  const members = (): Promise<Managed[]> => calls.listManagedInstances();
  const poll = poller(ctx.compute, options, `${manager}: replacing ${found.name}`);
  const isOld = (m: Managed): boolean => lastSegment(m.instance ?? '') === found.name;

  if (!options.surge) {
    await calls.recreateInstances([link]);
    // The operation ends when the recreation is scheduled; the instance is back when it runs from the group's template.
    await poll(async () => (await members()).some((m) => isOld(m) && isUp(m) && lastSegment(m.version?.instanceTemplate ?? '') === found.groupTemplate));
    return;
  }
  if (found.groupRegion) {
    throw new HoistError('UNSUPPORTED', `instance ${found.name} is in the regional group ${manager}, which cannot surge: its new instance could go to any zone, and GCE would then even the zones by deleting another instance`, {
      hint: 'replace it without --surge: it is recreated in its own zone',
    });
  }
  const current = await calls.get();
  if (!current) throw new HoistError('NOT_FOUND', `instance group manager ${manager} does not exist in project ${ctx.project}`, { hint: 'run update cluster to make it again' });
  const size = Number(current.targetSize ?? 0);
  await calls.resize(size + 1);
  await poll(async () => (await members()).filter((m) => !isOld(m) && isUp(m)).length >= size);
  await calls.deleteInstances([link]);
  await poll(async () => !(await members()).some(isOld));
}

/** The group of an instance: its regional group's region, or its own zone. */
export function groupLocation(i: Pick<GceInstance, 'zone' | 'groupRegion'>): GroupLocation {
  return i.groupRegion ? { region: i.groupRegion } : { zone: i.zone };
}

const isUp = (m: Managed): boolean => m.currentAction === 'NONE' && m.instanceStatus === 'RUNNING';

function poller(compute: Compute, options: ReplaceOptions, what: string): (done: () => Promise<boolean>) => Promise<void> {
  const pollMs = options.pollMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async (done) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new HoistError('ABORTED', `${what}: not done within ${Math.round(timeoutMs / 1000)} s (project ${compute.project})`);
      await sleep(pollMs);
    }
  };
}
