/**
 * Planning a cluster: open its cloud for the purpose (reconcile the spec, or tear it down),
 * build the node configurations and the tasks, discover the live state (once per kind), and
 * plan. The plan holds its session open for the apply; whoever plans closes it (`close()`).
 */

import { toYaml } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { PlanResult } from '../../src/engine/planner.js';
import type { Task, TaskId } from '../../src/engine/task.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { completedSpecKey } from '../../state-store/layout.js';
import type { NodeupBundle } from '../nodeup/bundle.js';
import type { NodeupConfigs } from '../nodeup/build.js';
import { planNodeupConfigs } from '../nodeup/plan.js';
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
}

export async function planCluster(store: ObjectStore, completed: CompletedSpec, opts: PlanClusterOptions): Promise<ClusterPlan> {
  const session = await openCloud(completed, { purpose: opts.purpose, env: opts.env, events: opts.events, readOnly: opts.readOnly === true });
  try {
    const teardown = opts.purpose === 'teardown';
    if (teardown) return { completed, session, result: await planOn(session, completed, [], opts), nodeConfigs: new Map() };
    const endpoint = await planEndpoint(session, completed, opts.events);
    const nodeConfigs = await planNodeupConfigs(completed, { stateStore: store.url, env: opts.env, events: opts.events, ...endpoint.nodeup });
    const boot = await clusterBoot(completed, nodeConfigs, { stateStore: store.url, env: opts.env });
    const tasks: Task[] = session.buildTasks(boot.options);
    const result = await planOn(session, completed, tasks, opts);
    return { completed, session, result, nodeConfigs, nodeupBundle: boot.bundle, ...endpoint.plan };
  } catch (e) {
    await session.close();
    throw e;
  }
}

/** Discovers the live state through an open session and plans `tasks` against it. */
export async function planOn(session: CloudSession, completed: CompletedSpec, tasks: Task[], opts: Pick<PlanClusterOptions, 'specRevision' | 'events'>): Promise<PlanResult> {
  const callsBefore = session.apiCalls();
  const started = Date.now();
  const discovered = await discoverAll(session.kinds, session.ctx);
  const stats = { apiCalls: session.apiCalls() - callsBefore, discoveryMs: Date.now() - started };
  opts.events({ level: 'debug', code: 'plan.discovered', message: `discovered the live state with ${stats.apiCalls} API calls in ${stats.discoveryMs} ms`, data: stats });
  return buildPlan({ cluster: completed.cluster.metadata.name, cloud: session.cloud, specRevision: opts.specRevision, tasks, kinds: session.kinds, stats }, discovered);
}

/** Written after a successful apply: the spec as the cloud now has it, defaults filled in. */
export async function writeCompletedSpec(store: ObjectStore, completed: CompletedSpec): Promise<void> {
  await store.put(completedSpecKey(completed.cluster.metadata.name), completedSpecText(completed));
}

export function completedSpecText(completed: CompletedSpec): string {
  return [completed.cluster, ...completed.instanceGroups].map((o) => toYaml(o)).join('---\n');
}
