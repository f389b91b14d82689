/**
 * What `update cluster` and `delete cluster` share: read the spec, open its cloud, discover the
 * live state (once per kind), and plan.
 */

import { toYaml } from '../../api/index.js';
import type { CompletedSpec } from '../../api/index.js';
import { discoverAll } from '../../engine/discover.js';
import { buildPlan } from '../../engine/planner.js';
import type { PlanResult } from '../../engine/planner.js';
import type { Task } from '../../engine/task.js';
import { openCloud } from '../../../cloudup/cloud.js';
import type { CloudSession } from '../../../cloudup/cloud.js';
import { nodeConfigHashes } from '../../../cloudup/node-config.js';
import { planNodeupConfigs } from '../../../cloudup/nodeup/plan.js';
import type { NodeupConfigs } from '../../../cloudup/nodeup/build.js';
import { latestRevision } from '../../../state-store/history.js';
import { completedSpecKey } from '../../../state-store/layout.js';
import type { Context } from '../context.js';
import { completedSpecOf } from './cluster-cloud.js';

export interface ClusterPlan {
  readonly completed: CompletedSpec;
  readonly session: CloudSession;
  readonly result: PlanResult;
  /** Each group's nodeup.yaml, written before an apply (none when tearing down). */
  readonly nodeConfigs: NodeupConfigs;
}

export interface PlanOptions {
  /** Plan to remove everything the cluster owns instead of reaching the spec. */
  readonly teardown?: boolean;
  /** A preview: a cloud that is not running is not started for it. */
  readonly readOnly?: boolean;
}

export async function planCluster(ctx: Context, cluster: string, opts: PlanOptions = {}): Promise<ClusterPlan> {
  const clients = await ctx.clientset();
  const [completed, last] = await Promise.all([completedSpecOf(ctx, cluster), latestRevision(clients.store, cluster)]);

  const session = await openCloud(completed, { env: ctx.io.env, events: ctx.io.events, readOnly: opts.readOnly === true });
  const nodeConfigs: NodeupConfigs = opts.teardown ? new Map() : await planNodeupConfigs(completed, { stateStore: clients.store.url, env: ctx.io.env, events: ctx.io.events });
  const tasks: Task[] = opts.teardown ? [] : session.buildTasks(completed, { stateStore: clients.store.url, configHash: nodeConfigHashes(completed, nodeConfigs) });
  const callsBefore = session.apiCalls();
  const started = Date.now();
  const discovered = await discoverAll(session.kinds, session.ctx);
  const stats = { apiCalls: session.apiCalls() - callsBefore, discoveryMs: Date.now() - started };
  ctx.io.events({ level: 'debug', code: 'plan.discovered', message: `discovered the live state with ${stats.apiCalls} API calls in ${stats.discoveryMs} ms`, data: stats });
  const result = buildPlan({ cluster, cloud: session.cloud, specRevision: last?.rev ?? null, tasks, kinds: session.kinds, stats }, discovered);
  return { completed, session, result, nodeConfigs };
}

/** Written after a successful apply: the spec as the cloud now has it, defaults filled in. */
export async function writeCompletedSpec(ctx: Context, completed: CompletedSpec): Promise<void> {
  const store = await ctx.store();
  const docs = [completed.cluster, ...completed.instanceGroups].map((o) => toYaml(o)).join('---\n');
  await store.put(completedSpecKey(completed.cluster.metadata.name), docs);
}
