/**
 * The API endpoint a plan's machines are configured with. Usually it is the API's DNS name,
 * known from the spec. With `topology.dns.type: None`, or on a cloud whose machines resolve no
 * DNS name (the local cloud), it is the load balancer's own name or address, which
 * the cloud assigns when it makes the load balancer: the plan reads it from the live state, and
 * before the load balancer exists the plan says so (`pendingEndpoint`). `update cluster --yes`
 * then makes the load balancer first and plans again with its name (`applyEndpointFirst`), so
 * that nodeup.yaml, the API server's certificate and the machines' templates never name a guess.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { summarize } from '../../src/engine/plan.js';
import type { PlanResult } from '../../src/engine/planner.js';
import type { TaskId } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { usesLoadBalancerName } from '../../src/pki/api-endpoint.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { BuildNodeupOptions } from '../nodeup/build.js';
import type { CloudSession } from '../provider.js';
import { applyClusterPlan } from './apply.js';
import type { ApplyClusterOptions } from './apply.js';
import type { ClusterPlan } from './plan.js';

export interface PlanEndpoint {
  /** For planNodeupConfigs: the load balancer's URL and name; none when machines use the API's DNS name. */
  readonly nodeup: Pick<BuildNodeupOptions, 'apiEndpoint'>;
  /** For the ClusterPlan: the load balancer's task, when it does not exist yet. */
  readonly plan: Pick<ClusterPlan, 'pendingEndpoint'>;
}

export async function planEndpoint(session: CloudSession, completed: CompletedSpec, events: EventSink): Promise<PlanEndpoint> {
  const endpoint = session.apiEndpoint;
  if (endpoint === undefined || !(endpoint.always === true || usesLoadBalancerName(completed))) return { nodeup: {}, plan: {} };
  const cluster = completed.cluster.metadata.name;
  const url = await endpoint.url();
  if (url !== undefined) return { nodeup: { apiEndpoint: { url, host: new URL(url).hostname.replace(/^\[|\]$/g, '') } }, plan: {} };
  // Only a plan shows this: an apply replaces it before anything is written (applyEndpointFirst).
  const unknown = `(known after apply: ${endpoint.task} name)`;
  events({
    level: 'info',
    code: 'plan.api-endpoint-pending',
    message: `${endpoint.always === true ? `the machines of ${cluster} resolve no DNS name for the API` : `${cluster} has no DNS records (spec.topology.dns.type None)`}: its machines name the API by its load balancer's own name or address, which ${session.cloud} gives it when it makes it. update cluster --yes makes ${endpoint.task} first, then plans again with its name: the machines' templates shown here change then.`,
    data: { task: endpoint.task },
  });
  return { nodeup: { apiEndpoint: { url: unknown, host: unknown } }, plan: { pendingEndpoint: endpoint.task } };
}

/**
 * Applies the part of a plan that makes the API load balancer (its task and what that depends
 * on), closes the plan's session, and returns `replan()`: a plan made with the load balancer's
 * name. A plan without a pending endpoint is returned as it is.
 */
export async function applyEndpointFirst(store: ObjectStore, planned: ClusterPlan, replan: () => Promise<ClusterPlan>, opts: ApplyClusterOptions = {}): Promise<ClusterPlan> {
  const pending = planned.pendingEndpoint;
  if (pending === undefined) return planned;
  await applyClusterPlan(store, { ...planned, result: endpointPart(planned.result, pending) }, opts);
  await planned.session.close();
  const next = await replan();
  if (next.pendingEndpoint !== undefined) {
    await next.session.close();
    throw new HoistError('CLOUD', `${pending} was made, but its cloud gives no name for it yet`, { hint: 'run the same command again' });
  }
  return next;
}

/** The changes of `task` and of every task it depends on, directly or not; nothing else. */
function endpointPart(result: PlanResult, task: TaskId): PlanResult {
  const wanted = new Set<TaskId>();
  const visit = (id: TaskId): void => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const dep of result.tasks.get(id)?.dependsOn ?? []) visit(dep);
  };
  visit(task);
  const changes = result.plan.changes.filter((c) => wanted.has(c.id) && result.tasks.has(c.id));
  return { ...result, plan: { ...result.plan, changes, summary: summarize(changes) } };
}
