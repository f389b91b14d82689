/**
 * Publishing the addon channel on its own, for the paths that change the cloud without hoist's
 * engine (`update cluster --target terraform`): the same Addon and AddonChannel tasks as a
 * direct apply, planned against the store and applied, so Terraform users get the same channel
 * and the control plane's applier finds it whichever way the machines were made.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import type { PlannedChange } from '../../src/engine/plan.js';
import { buildPlan } from '../../src/engine/planner.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { planAddons } from './plan.js';

/** Writes what changed of the addons and their index; returns the changes made. */
export async function publishAddons(store: ObjectStore, completed: CompletedSpec, opts: { readonly env: Readonly<Record<string, string | undefined>>; readonly events: EventSink }): Promise<PlannedChange[]> {
  const cluster = completed.cluster.metadata.name;
  const addons = await planAddons(store, completed, { env: opts.env, events: opts.events });
  const result = buildPlan({ cluster, cloud: completed.cluster.spec.cloudProvider, specRevision: null, tasks: addons.tasks, kinds: addons.kinds }, await discoverAll(addons.kinds, undefined));
  const applied = await applyPlan({ result, kinds: addons.kinds, ctx: undefined });
  const failure = applied.failures[0];
  if (failure !== undefined) throw new HoistError('STORE', `could not publish the addons of ${cluster}: ${failure.id}: ${String(failure.error)}`, { cause: failure.error });
  const changes = result.plan.changes.filter((c) => c.action !== 'noop');
  for (const c of changes) opts.events({ level: 'debug', code: 'addons.published', message: `${c.action} ${c.id}`, data: { id: c.id, action: c.action } });
  return changes;
}
