/**
 * The DaemonSet controller of the local cloud's controller-manager stand-in: one pod per Ready
 * node the template fits (nodeSelector; taints against the template's tolerations plus those the
 * real controller adds, so a cordoned node keeps its daemon), created bound to the node
 * (spec.nodeName) as the real controller does. A pod whose template is out of date is deleted
 * and made again (all at once, not maxUnavailable at a time); a pod on a node that is gone or
 * no longer fits is deleted; a pod on a node that is not Ready stays. The status counts what
 * the real one counts, over the nodes that should run the daemon.
 */

import type { V1DaemonSet, V1DaemonSetStatus, V1Node, V1Pod } from '@kubernetes/client-node';
import { misfit, nodeName, nodeReady, withDaemonSetTolerations } from './pod-fit.js';
import { finished, ownedBy, podFromTemplate, podReady, templateHash, terminating } from './workload-pods.js';
import type { PodWriter } from './workload-controllers.js';

const HASH_LABEL = 'controller-revision-hash';

export async function syncDaemonSet(ds: V1DaemonSet, nodes: readonly V1Node[], allPods: readonly V1Pod[], writer: PodWriter): Promise<V1DaemonSetStatus> {
  const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet' as const, metadata: ds.metadata };
  const namespace = ds.metadata?.namespace ?? 'default';
  const hash = templateHash(ds.spec?.template);
  const spec = withDaemonSetTolerations(ds.spec?.template.spec ?? { containers: [] });
  const pods = allPods.filter((p) => ownedBy(p, owner) && !terminating(p) && !finished(p));
  const byName = new Map(nodes.map((n) => [nodeName(n), n]));
  const eligible = nodes.filter((n) => misfit(spec, n) === undefined).map(nodeName);
  const wanted = new Set(eligible);

  // What each eligible node runs after this pass: its up-to-date pod, or one made now.
  const running = new Map<string, V1Pod>();
  let misscheduled = 0;
  for (const pod of pods) {
    const node = pod.spec?.nodeName ?? '';
    const n = byName.get(node);
    if (n !== undefined && !nodeReady(n)) continue; // its node may come back: left alone, not counted
    if (n === undefined || !wanted.has(node)) {
      if (n !== undefined) misscheduled++;
      await writer.delete(namespace, pod);
    } else if (pod.metadata?.labels?.[HASH_LABEL] !== hash || running.has(node)) {
      await writer.delete(namespace, pod);
    } else {
      running.set(node, pod);
    }
  }
  for (const node of eligible) {
    if (running.has(node)) continue;
    running.set(node, await writer.create(namespace, podFromTemplate(owner, ds.spec?.template, HASH_LABEL, hash, spec, node)));
  }
  const ready = eligible.filter((n) => podReady(running.get(n) ?? {})).length;
  return {
    observedGeneration: ds.metadata?.generation ?? 1,
    desiredNumberScheduled: eligible.length,
    currentNumberScheduled: eligible.length,
    updatedNumberScheduled: eligible.length,
    numberReady: ready,
    numberAvailable: ready,
    numberUnavailable: eligible.length - ready,
    numberMisscheduled: misscheduled,
  };
}
