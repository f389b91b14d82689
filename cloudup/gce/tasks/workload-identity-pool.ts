/**
 * WorkloadIdentityPool: the cluster's workload identity pool (IAM v1), named `hoist-<cluster
 * hash>`, whose provider trusts the cluster's service-account issuer. Pools have no labels: the
 * cluster's carry its mark as their description, which discovery matches. GCP deletes a pool
 * softly (DELETED for 30 days, its id still taken): a create that finds the cluster's own pool
 * deleted undeletes it, as a cluster deleted and made again within the month needs.
 */

import type { TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { GceContext } from '../context.js';
import { isAlreadyExists, isNotFound, toEngineError } from '../errors.js';
import type { WorkloadIdentityPool } from '../workload-identity-api.js';
import { idOfName } from '../workload-identity-api.js';

export interface WorkloadIdentityPoolFields {
  /** What the console shows (at most 32 characters). */
  readonly displayName: string;
  readonly disabled: boolean;
}

export const workloadIdentityPoolTask = taskConstructor<WorkloadIdentityPoolFields>('WorkloadIdentityPool');

const fieldsOf = (p: WorkloadIdentityPool): WorkloadIdentityPoolFields => ({ displayName: p.displayName ?? '', disabled: p.disabled ?? false });

const live = (p: WorkloadIdentityPool) => ({ id: p.name, name: idOfName(p.name), fields: { ...fieldsOf(p) }, outputs: { id: p.name, name: p.name } });

async function find(ctx: GceContext, id: string): Promise<WorkloadIdentityPool | undefined> {
  return (await api(ctx).listPools()).find((p) => idOfName(p.name) === id);
}

function api(ctx: GceContext) {
  if (!ctx.workloadIdentity) throw new HoistError('INTERNAL', 'the GCE session has no workload identity context');
  return ctx.workloadIdentity.api;
}

export const workloadIdentityPoolKind: TaskKind<GceContext> = {
  kind: 'WorkloadIdentityPool',
  uses: [],
  async discover(ctx) {
    if (!ctx.workloadIdentity) return [];
    const pools = await ctx.workloadIdentity.api.listPools();
    return pools.filter((p) => p.description === ctx.description && p.state !== 'DELETED').map(live);
  },
  checkChanges: () => ({}),
  async create(ctx, task, resolved) {
    const d = resolved as unknown as WorkloadIdentityPoolFields;
    try {
      await api(ctx).createPool(task.name, { displayName: d.displayName, description: ctx.description, disabled: d.disabled });
    } catch (e) {
      if (!isAlreadyExists(e)) throw toEngineError(e);
      const existing = await find(ctx, task.name);
      if (existing?.description !== ctx.description) {
        throw new HoistError('ALREADY_EXISTS', `WorkloadIdentityPool/${task.name} already exists in project ${ctx.project} and does not belong to cluster ${ctx.cluster}`, { cause: e, hint: 'delete the pool (and wait 30 days for GCP to purge it), or give the cluster another name' });
      }
      // The cluster's own pool, deleted within the last 30 days (or made by a run whose answer was lost).
      if (existing.state === 'DELETED') await api(ctx).undeletePool(task.name);
    }
    const made = await find(ctx, task.name);
    if (!made) throw new HoistError('CONFLICT', `WorkloadIdentityPool/${task.name} vanished right after it was made`);
    return live(made);
  },
  async update(ctx, task, _live, resolved, changes) {
    const d = resolved as unknown as WorkloadIdentityPoolFields;
    try {
      await api(ctx).patchPool(task.name, { displayName: d.displayName, disabled: d.disabled }, [...new Set(changes.map((c) => c.path.split('.')[0]!))]);
    } catch (e) {
      throw toEngineError(e);
    }
    const now = await find(ctx, task.name);
    if (!now) throw new HoistError('CONFLICT', `WorkloadIdentityPool/${task.name} vanished right after it was changed`);
    return live(now);
  },
  async delete(ctx, obj) {
    try {
      await api(ctx).deletePool(obj.name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw toEngineError(e);
    }
  },
};
