/**
 * The addons of a plan: render the builtin set and read the user's, then make the Addon and
 * AddonChannel tasks with their kinds (tasks.ts). Nothing is written here; reading a user addon
 * that is broken refuses the plan. The builtin set reads the cluster CA (a webhook's caBundle)
 * and the cloud account (CloudAddons.account) only when one of its addons needs them.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import type { Task, TaskKind } from '../../src/engine/task.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { cloudAddonsOf } from '../providers.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { ensureClusterPKI } from '../../src/pki/ensure.js';
import { trustBundle } from '../../src/pki/keyset.js';
import { readKeyset } from '../../src/pki/store.js';
import { builtinAddons, needsClusterCA, renderBuiltin } from './render.js';
import type { AddonInputs, AddonPki, RenderedAddon } from './render.js';
import type { CloudAccount } from './types.js';
import { addonKinds, addonTasks } from './tasks.js';
import { userAddons } from './user.js';
import type { ReadManifest } from './user.js';

/** The CA that signs the webhooks' serving certificates (nodeup issues them from it). */
const CLUSTER_CA = 'kubernetes-ca';

export interface PlanAddonsOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Compare and show the manifests' text (`update cluster --diff-addons`). */
  readonly diff?: boolean;
  readonly read?: ReadManifest;
  readonly events?: EventSink;
}

export interface PlannedAddons {
  readonly rendered: readonly RenderedAddon[];
  readonly tasks: readonly Task[];
  readonly kinds: ReadonlyMap<string, TaskKind<unknown>>;
  /** The cloud account the addons read (CloudAddons.account), for the session opened next. */
  readonly account?: CloudAccount;
}

export async function renderAddons(completed: CompletedSpec, options: Pick<PlanAddonsOptions, 'env' | 'read'> & { readonly pki?: AddonInputs }): Promise<RenderedAddon[]> {
  const builtin = builtinAddons(completed, await cloudAddonsOf(completed.cluster.spec.cloudProvider), options.pki).map(renderBuiltin);
  const user = await userAddons(completed, new Set(builtin.map((b) => b.entry.name)), options);
  return [...builtin, ...user];
}

export async function planAddons(store: ObjectStore, completed: CompletedSpec, options: PlanAddonsOptions): Promise<PlannedAddons> {
  const cluster = completed.cluster.metadata.name;
  const cloud = await cloudAddonsOf(completed.cluster.spec.cloudProvider);
  const account = await cloud.account?.(completed, options.env);
  const pki = { ...(await addonPki(store, completed, options.events)), ...(account === undefined ? {} : { account }) };
  const rendered = await renderAddons(completed, { ...options, pki });
  const withManifests = options.diff === true;
  return {
    rendered,
    tasks: addonTasks(cluster, rendered, withManifests),
    kinds: addonKinds({ store, cluster, withManifests, manifests: new Map(rendered.map((r) => [r.entry.name, r.manifest])) }),
    ...(account === undefined ? {} : { account }),
  };
}

/**
 * The cluster CA's trust bundle when an addon needs it (a webhook's caBundle). A cluster planned
 * before its first apply has no CA yet: it is made here, as the apply would make it, since the
 * webhook's configuration must name the CA that will sign its certificate; only then.
 */
async function addonPki(store: ObjectStore, completed: CompletedSpec, events: EventSink | undefined): Promise<AddonPki> {
  if (!needsClusterCA(completed, await cloudAddonsOf(completed.cluster.spec.cloudProvider))) return {};
  const cluster = completed.cluster.metadata.name;
  let keyset = await readKeyset(store, cluster, CLUSTER_CA, { private: false });
  if (keyset === undefined) {
    await ensureClusterPKI(store, cluster, events === undefined ? {} : { events });
    keyset = await readKeyset(store, cluster, CLUSTER_CA, { private: false });
  }
  if (keyset === undefined) throw new HoistError('STORE', `keyset ${CLUSTER_CA} of ${cluster} could not be read after it was made`);
  return { clusterCA: trustBundle(keyset) };
}
