/**
 * Planning a cluster: open its cloud for the purpose (reconcile the spec, or tear it down),
 * build the node configurations and the tasks, discover the live state (once per kind), and
 * plan. The plan holds its session open for the apply; whoever plans closes it (`close()`).
 */

import { toYaml } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { startDiscovery } from '../../src/engine/discover.js';
import type { Discovery } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { PlanResult } from '../../src/engine/planner.js';
import type { Task, TaskId, TaskKind } from '../../src/engine/task.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { completedSpecKey } from '../../state-store/layout.js';
import { planAddons } from '../addons/plan.js';
import type { NodeupBundle } from '../nodeup/bundle.js';
import type { NodeupConfigs } from '../nodeup/build.js';
import { readNodeupInputs } from '../nodeup/plan.js';
import type { CloudSession, Env } from '../provider.js';
import { openCloud } from '../providers.js';
import { planEndpoint } from './api-endpoint.js';
import { clusterBoot } from './boot.js';

export interface ClusterPlan {
  readonly completed: CompletedSpec;
  readonly session: CloudSession;
  readonly result: PlanResult;
  /** Each group's nodeup.yaml, written before an apply (none when tearing down). */
  readonly nodeConfigs: NodeupConfigs;
  /** The nodeup bundle the machines are pinned to, published before an apply (none when tearing down). */
  readonly nodeupBundle?: NodeupBundle;
  /**
   * The API load balancer's task when the machines name it by its own name and it does not
   * exist yet: an apply makes it first and plans again (api-endpoint.ts).
   */
  readonly pendingEndpoint?: TaskId;
  /** The session's kinds with the addon channel's (cloudup/addons/tasks.ts); absent: the session's. */
  readonly kinds?: ReadonlyMap<string, TaskKind<unknown>>;
}

export interface PlanClusterOptions {
  /** `teardown`: remove everything the cluster owns instead of reaching the spec. */
  readonly purpose: 'reconcile' | 'teardown';
  /** A preview: a cloud that is not running is not started for it. */
  readonly readOnly?: boolean;
  /** The spec revision the plan is of (null for a cluster without history). */
  readonly specRevision: number | null;
  readonly env: Env;
  readonly events: EventSink;
  /** Read the published addon manifests and show their changes as diffs. */
  readonly diffAddons?: boolean;
}

export async function planCluster(store: ObjectStore, completed: CompletedSpec, opts: PlanClusterOptions): Promise<ClusterPlan> {
  const teardown = opts.purpose === 'teardown';
  // The addons are rendered, and a broken user addon refused, before the cloud is opened.
  const addons = teardown ? undefined : await planAddons(store, completed, { env: opts.env, diff: opts.diffAddons === true, events: opts.events });
  // What the addons read of the cloud account is not read again by the session.
  const account = addons?.account;
  const session = await openCloud(completed, { purpose: opts.purpose, env: opts.env, events: opts.events, readOnly: opts.readOnly === true, stateStore: store.url, ...(account === undefined ? {} : { account }) });
  try {
    if (addons === undefined) return { completed, session, result: await planOn(session, completed, [], opts), nodeConfigs: new Map() };
    // The load balancer's name (from the cloud) and the secrets' hashes (from the store) are read at once.
    const [endpoint, inputs] = await bothOrFirstError(
      planEndpoint(session, completed, opts.events),
      readNodeupInputs(completed, { stateStore: store.url, store, env: opts.env, events: opts.events }),
    );
    const kinds = new Map<string, TaskKind<unknown>>([...session.kinds, ...addons.kinds]);
    // The live state is read while the node configurations and the tasks are built; those read
    // nothing more, so no read they need waits behind discovery's requests (one server answers
    // every service on moto).
    const discovery = discover(session, kinds);
    const nodeConfigs = inputs.build(endpoint.nodeup.apiEndpoint);
    const boot = await clusterBoot(completed, nodeConfigs, { stateStore: store.url, env: opts.env });
    const tasks: Task[] = [...session.buildTasks(boot.options), ...addons.tasks];
    const result = await planFrom(session, completed, tasks, opts, kinds, discovery);
    return { completed, session, result, nodeConfigs, nodeupBundle: boot.bundle, kinds, ...endpoint.plan };
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** Both results; if both fail, the first one's error, whichever failed sooner, so a plan's refusal does not depend on timing. */
async function bothOrFirstError<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

/** Discovers the live state through an open session and plans `tasks` against it. */
export async function planOn(session: CloudSession, completed: CompletedSpec, tasks: Task[], opts: Pick<PlanClusterOptions, 'specRevision' | 'events'>, kinds: ReadonlyMap<string, TaskKind<unknown>> = session.kinds): Promise<PlanResult> {
  return planFrom(session, completed, tasks, opts, kinds, discover(session, kinds));
}

interface StartedDiscovery {
  readonly discovery: Discovery<unknown>;
  readonly callsBefore: number;
  readonly started: number;
}

function discover(session: CloudSession, kinds: ReadonlyMap<string, TaskKind<unknown>>): StartedDiscovery {
  const callsBefore = session.apiCalls();
  return { callsBefore, started: Date.now(), discovery: startDiscovery(kinds, session.ctx) };
}

async function planFrom(session: CloudSession, completed: CompletedSpec, tasks: Task[], opts: Pick<PlanClusterOptions, 'specRevision' | 'events'>, kinds: ReadonlyMap<string, TaskKind<unknown>>, { discovery, callsBefore, started }: StartedDiscovery): Promise<PlanResult> {
  const discovered = await discovery.finish(kinds, tasks);
  const stats = { apiCalls: session.apiCalls() - callsBefore, discoveryMs: Date.now() - started };
  opts.events({ level: 'debug', code: 'plan.discovered', message: `discovered the live state with ${stats.apiCalls} API calls in ${stats.discoveryMs} ms`, data: stats });
  return buildPlan({ cluster: completed.cluster.metadata.name, cloud: session.cloud, specRevision: opts.specRevision, tasks, kinds, stats }, discovered);
}

/** Written after a successful apply: the spec as the cloud now has it, defaults filled in. */
export async function writeCompletedSpec(store: ObjectStore, completed: CompletedSpec): Promise<void> {
  await store.put(completedSpecKey(completed.cluster.metadata.name), completedSpecText(completed));
}

export function completedSpecText(completed: CompletedSpec): string {
  return [completed.cluster, ...completed.instanceGroups].map((o) => toYaml(o)).join('---\n');
}
