/**
 * `POST pods/<name>/eviction`: deletes the pod unless a PodDisruptionBudget forbids it, as
 * kube-apiserver's eviction subresource does. The budget's allowance is computed on the spot
 * from the pods it selects (kube-controller-manager's disruption controller keeps it in the
 * budget's status on a real cluster): expected = the pods selected, healthy = those Ready.
 * A pod that is not running (Pending, Succeeded, Failed) or already being deleted is evicted
 * without looking at budgets, as on a real cluster.
 */

import type { Registry } from './registry.js';
import { findResource } from './resources.js';
import type { Resource } from './resources.js';
import { selectorMatches } from './selectors.js';
import { ApiError } from './status.js';
import type { KubeObject } from './storage.js';

const PODS = findResource('', 'v1', 'pods') as Resource;
const PDBS = findResource('policy', 'v1', 'poddisruptionbudgets') as Resource;

type JsonMap = Record<string, unknown>;

function isReady(pod: KubeObject): boolean {
  const conditions = ((pod.status as JsonMap | undefined)?.conditions ?? []) as JsonMap[];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** An IntOrString of a budget, scaled to `total` and rounded up as Kubernetes does. */
function scaled(value: unknown, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(String(value));
  return m ? Math.ceil((Number(m[1]) * total) / 100) : Number(value);
}

export function disruptionsAllowed(pdb: KubeObject, pods: readonly KubeObject[]): { allowed: number; healthy: number; desired: number } {
  const spec = (pdb.spec ?? {}) as JsonMap;
  const selected = pods.filter((p) => p.metadata?.deletionTimestamp === undefined && selectorMatches(spec.selector, (p.metadata?.labels ?? {}) as Record<string, string>));
  const expected = selected.length;
  const healthy = selected.filter(isReady).length;
  const desired = spec.minAvailable !== undefined ? scaled(spec.minAvailable, expected) : spec.maxUnavailable !== undefined ? Math.max(0, expected - scaled(spec.maxUnavailable, expected)) : 0;
  return { allowed: Math.max(0, healthy - desired), healthy, desired };
}

export async function evict(registry: Registry, namespace: string, name: string): Promise<void> {
  const pod = await registry.get(PODS, namespace, name);
  const phase = (pod.status as JsonMap | undefined)?.phase;
  const ignoresBudgets = phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp !== undefined;
  if (!ignoresBudgets) {
    const labels = (pod.metadata?.labels ?? {}) as Record<string, string>;
    const pdbs = (await registry.list(PDBS, namespace)).items.filter((b) => selectorMatches((b.spec as JsonMap | undefined)?.selector, labels));
    if (pdbs.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = pdbs[0];
    if (pdb !== undefined) {
      const pods = (await registry.list(PODS, namespace)).items;
      const budget = disruptionsAllowed(pdb, pods);
      const policy = (pdb.spec as JsonMap | undefined)?.unhealthyPodEvictionPolicy;
      const unhealthyMayGo = !isReady(pod) && (policy === 'AlwaysAllow' || budget.healthy >= budget.desired);
      if (budget.allowed <= 0 && !unhealthyMayGo) {
        const budgetName = String(pdb.metadata?.name ?? '');
        throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ type: 'DisruptionBudget', message: `The disruption budget ${budgetName} needs ${budget.desired} healthy pods and has ${budget.healthy} currently` }],
        });
      }
    }
  }
  await registry.delete(PODS, namespace, name);
}
