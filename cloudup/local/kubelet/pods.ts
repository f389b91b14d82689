/**
 * The pods the API binds to a kubelet stand-in's node (by the scheduler step, a DaemonSet, or
 * a user's spec.nodeName), and its mirror pods again after the controller-manager marked them
 * not ready while the node was NotReady. No container runs: the stand-in reports
 * each such pod Running and Ready with its containers started, as a kubelet reports a pod whose
 * containers came up, so that workloads become available and drains and disruption budgets
 * behave as on a real node. Its IP is the node's address (there is no pod network). An evicted
 * or deleted pod is gone from the API at once (the stand-in API server does not wait out a grace
 * period), so there is nothing left to stop.
 */

import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { EventSink } from '../../../src/output/events.js';
import { mirrorPodStatus } from './mirror-pods.js';

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

const reported = (p: V1Pod): boolean => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Reports every pod bound to `node` that is not yet Running and Ready; returns how many. */
export async function reportBoundPods(core: CoreV1Api, node: string, address: string, now: Date, events: EventSink): Promise<number> {
  const pods = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
  const due = pods.filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !reported(p));
  for (const pod of due) {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const status = { ...mirrorPodStatus(pod, address, now), podIP: address, podIPs: [{ ip: address }] };
    try {
      await core.patchNamespacedPodStatus({ name, namespace, body: { status } }, strategic);
      events({ level: 'info', code: 'kubelet.pod-running', message: `pod ${namespace}/${name} is Running (no containers are run on the local cloud)` });
    } catch (e) {
      // Deleted since it was listed: nothing to report.
      if ((e as { code?: number }).code !== 404) throw e;
    }
  }
  return due.length;
}
