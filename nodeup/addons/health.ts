/**
 * An addon is healthy when the workloads its channel entry names are available, as
 * `kubectl rollout status` reads them: a Deployment whose controller has seen its latest spec
 * and has every replica available; a DaemonSet available on every node it is scheduled to.
 */

import type { AddonHealthCheck } from './channel.js';
import type { AddonKube } from './kube.js';

type Status = Record<string, number | undefined>;

/** Why the workload is not available yet, or undefined when it is. */
export async function unavailable(kube: AddonKube, check: AddonHealthCheck): Promise<string | undefined> {
  const o = (await kube.read({ apiVersion: 'apps/v1', kind: check.kind, namespace: check.namespace, name: check.name })) as
    | { metadata?: { generation?: number }; spec?: { replicas?: number }; status?: Status }
    | undefined;
  const what = `${check.kind}/${check.namespace}/${check.name}`;
  if (o === undefined) return `${what} does not exist`;
  const status = o.status ?? {};
  const generation = o.metadata?.generation;
  if (generation !== undefined && (status.observedGeneration ?? 0) < generation) return `${what}: its controller has not seen generation ${generation} yet`;
  if (check.kind === 'Deployment') {
    const wanted = o.spec?.replicas ?? 1;
    const available = status.availableReplicas ?? 0;
    return available >= wanted ? undefined : `${what}: ${available} of ${wanted} replicas available`;
  }
  const desired = status.desiredNumberScheduled;
  const available = status.numberAvailable ?? 0;
  if (desired === undefined) return `${what}: its controller has not scheduled it yet`;
  return available >= desired ? undefined : `${what}: available on ${available} of ${desired} nodes`;
}

/** Waits (polling, up to `timeoutMs`) for every check; answers what is still unavailable (empty: healthy). */
export async function waitHealthy(kube: AddonKube, checks: readonly AddonHealthCheck[], timeoutMs: number, pollMs: number, stopped: () => boolean): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = (await Promise.all(checks.map((c) => unavailable(kube, c)))).filter((w) => w !== undefined);
    if (why.length === 0 || Date.now() >= deadline || stopped()) return why;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
