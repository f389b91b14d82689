/**
 * The addons of a plan: render the builtin set and read the user's, then make the Addon and
 * AddonChannel tasks with their kinds (tasks.ts). Nothing is written here; reading a user addon
 * that is broken refuses the plan.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import type { Task, TaskKind } from '../../src/engine/task.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { cloudAddonsOf } from '../providers.js';
import { builtinAddons, renderBuiltin } from './render.js';
import type { RenderedAddon } from './render.js';
import { addonKinds, addonTasks } from './tasks.js';
import { userAddons } from './user.js';
import type { ReadManifest } from './user.js';

export interface PlanAddonsOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Compare and show the manifests' text (`update cluster --diff-addons`). */
  readonly diff?: boolean;
  readonly read?: ReadManifest;
}

export interface PlannedAddons {
  readonly rendered: readonly RenderedAddon[];
  readonly tasks: readonly Task[];
  readonly kinds: ReadonlyMap<string, TaskKind<unknown>>;
}

export async function renderAddons(completed: CompletedSpec, options: Pick<PlanAddonsOptions, 'env' | 'read'>): Promise<RenderedAddon[]> {
  const builtin = builtinAddons(completed, await cloudAddonsOf(completed.cluster.spec.cloudProvider)).map(renderBuiltin);
  const user = await userAddons(completed, new Set(builtin.map((b) => b.entry.name)), options);
  return [...builtin, ...user];
}

export async function planAddons(store: ObjectStore, completed: CompletedSpec, options: PlanAddonsOptions): Promise<PlannedAddons> {
  const cluster = completed.cluster.metadata.name;
  const rendered = await renderAddons(completed, options);
  const withManifests = options.diff === true;
  return {
    rendered,
    tasks: addonTasks(cluster, rendered, withManifests),
    kinds: addonKinds({ store, cluster, withManifests, manifests: new Map(rendered.map((r) => [r.entry.name, r.manifest])) }),
  };
}
