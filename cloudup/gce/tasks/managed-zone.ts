/**
 * ManagedZone: the Cloud DNS zone of `dnsZone`, which hoist uses but never makes nor deletes
 * (lifecycle ExistsAndValidates, named as the spec names it). Output: `name`, the zone's
 * resource name that record calls take.
 */

import type { TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { GceContext } from '../context.js';

/** Nothing is desired of the zone: it only has to exist. */
export type ManagedZoneFields = Readonly<Record<string, never>>;

export const managedZoneTask = taskConstructor<ManagedZoneFields>('ManagedZone');

export const managedZoneKind: TaskKind<GceContext> = {
  kind: 'ManagedZone',
  uses: [],
  async discover(ctx) {
    if (!ctx.dnsNames) return [];
    const zone = await ctx.dns.findZone(ctx.dnsNames.zone);
    if (!zone) return [];
    return [{ id: zone.name, name: ctx.dnsNames.zone, fields: {}, outputs: { id: zone.name, name: zone.name }, shared: true }];
  },
  checkChanges: () => ({}),
  create(ctx, task) {
    return Promise.reject(
      new HoistError('NOT_FOUND', `the Cloud DNS managed zone ${task.name} (spec.dnsZone) does not exist in project ${ctx.project}; hoist does not create DNS zones`, {
        path: 'spec.dnsZone',
        hint: 'create the zone first (gcloud dns managed-zones create), or remove dnsZone',
      }),
    );
  },
  update: (_ctx, _task, live) => Promise.resolve(live),
  delete: () => Promise.resolve(),
};
