/**
 * The Deployment controller of the local cloud's controller-manager stand-in, without
 * ReplicaSets: the Deployment owns its pods directly, each labelled `pod-template-hash` with
 * its template's hash. It keeps `spec.replicas` pods of the current template (unscheduled: the
 * scheduler step binds them), and once they are all ready it deletes the pods of older
 * templates (a surge of a whole new set, not maxSurge at a time). A pod that is evicted or
 * deleted is made again, so a drained node's pods come back on other nodes. The status carries
 * what `kubectl get deploy` and `kubectl rollout status` read: replicas, updatedReplicas,
 * readyReplicas, availableReplicas (ready; minReadySeconds is not waited for) and the
 * Available and Progressing conditions.
 */

import type { V1Deployment, V1DeploymentCondition, V1DeploymentStatus, V1Pod } from '@kubernetes/client-node';
import { finished, ownedBy, podFromTemplate, podReady, templateHash, terminating } from './workload-pods.js';
import type { PodWriter } from './workload-controllers.js';

const HASH_LABEL = 'pod-template-hash';

/** maxUnavailable of a rolling update scaled to `replicas`, rounded down as Kubernetes does (default 25%). */
function maxUnavailable(d: V1Deployment, replicas: number): number {
  const v = d.spec?.strategy?.type === 'Recreate' ? replicas : (d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%');
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.floor((Number(m[1]) * replicas) / 100) : Number(v) || 0;
}

function condition(previous: readonly V1DeploymentCondition[], type: string, status: string, reason: string, message: string, now: Date): V1DeploymentCondition {
  const before = previous.find((c) => c.type === type);
  const same = before?.status === status;
  return { type, status, reason, message, lastUpdateTime: same && before?.reason === reason ? (before.lastUpdateTime ?? now) : now, lastTransitionTime: same ? (before?.lastTransitionTime ?? now) : now };
}

export async function syncDeployment(d: V1Deployment, allPods: readonly V1Pod[], writer: PodWriter, now: Date): Promise<V1DeploymentStatus> {
  const owner = { apiVersion: 'apps/v1', kind: 'Deployment' as const, metadata: d.metadata };
  const namespace = d.metadata?.namespace ?? 'default';
  const name = d.metadata?.name ?? '';
  const replicas = d.spec?.replicas ?? 1;
  const hash = templateHash(d.spec?.template);
  const pods = allPods.filter((p) => ownedBy(p, owner) && !terminating(p) && !finished(p));
  const current = pods.filter((p) => p.metadata?.labels?.[HASH_LABEL] === hash);
  let old = pods.filter((p) => p.metadata?.labels?.[HASH_LABEL] !== hash);

  // Too many: the unscheduled and the unready go first.
  const surplus = [...current].sort((a, b) => Number(podReady(a)) - Number(podReady(b)) || Number(a.spec?.nodeName !== undefined) - Number(b.spec?.nodeName !== undefined)).slice(0, Math.max(0, current.length - replicas));
  for (const pod of surplus) await writer.delete(namespace, pod);
  const kept = current.filter((p) => !surplus.includes(p));
  const made: V1Pod[] = [];
  for (let i = kept.length; i < replicas; i++) made.push(await writer.create(namespace, podFromTemplate(owner, d.spec?.template, HASH_LABEL, hash, d.spec?.template.spec ?? { containers: [] })));
  const updated = [...kept, ...made];
  const updatedReady = updated.filter(podReady).length;
  if (old.length > 0 && updatedReady >= replicas) {
    for (const pod of old) await writer.delete(namespace, pod);
    old = [];
  }
  const all = [...updated, ...old];
  const ready = all.filter(podReady).length;
  const available = ready;
  const needed = Math.max(0, replicas - maxUnavailable(d, replicas));
  const previous = d.status?.conditions ?? [];
  const complete = updated.length === replicas && old.length === 0 && updatedReady >= replicas;
  return {
    observedGeneration: d.metadata?.generation ?? 1,
    replicas: all.length,
    updatedReplicas: updated.length,
    readyReplicas: ready,
    availableReplicas: available,
    unavailableReplicas: Math.max(0, all.length - available),
    conditions: [
      available >= needed
        ? condition(previous, 'Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now)
        : condition(previous, 'Available', 'False', 'MinimumReplicasUnavailable', `Deployment does not have minimum availability: ${available} of ${needed} pods needed are available.`, now),
      complete
        ? condition(previous, 'Progressing', 'True', 'NewReplicaSetAvailable', `Deployment "${name}" has successfully progressed.`, now)
        : condition(previous, 'Progressing', 'True', 'ReplicaSetUpdated', `Deployment "${name}" is progressing.`, now),
    ],
  };
}
