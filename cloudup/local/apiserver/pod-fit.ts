/**
 * Whether a pod may run on a node, as kube-scheduler's filters and the DaemonSet controller
 * decide it, cut down to what the local cloud's controllers need: the node is Ready, its
 * nodeSelector labels match, and every NoSchedule or NoExecute taint is tolerated (a cordoned
 * node counts as tainted `node.kubernetes.io/unschedulable:NoSchedule`, as the real node
 * controller taints it). Affinity, resources and ports are not considered.
 */

import type { V1Node, V1PodSpec, V1Taint, V1Toleration } from '@kubernetes/client-node';

export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

/**
 * What the DaemonSet controller adds to its pods' tolerations, so a daemon runs where ordinary
 * pods do not: on cordoned nodes, and on nodes under pressure or not ready.
 */
export const DAEMONSET_TOLERATIONS: readonly V1Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: UNSCHEDULABLE_TAINT, operator: 'Exists', effect: 'NoSchedule' },
];

export const nodeName = (n: V1Node): string => n.metadata?.name ?? '';

export function nodeReady(n: V1Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** The node's taints, with the one a cordon stands for. */
function taintsOf(n: V1Node): V1Taint[] {
  const taints = [...(n.spec?.taints ?? [])];
  if (n.spec?.unschedulable === true && !taints.some((t) => t.key === UNSCHEDULABLE_TAINT)) taints.push({ key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' });
  return taints;
}

/** Kubernetes's ToleratesTaint: an empty key with Exists tolerates everything; an empty effect every effect. */
function tolerates(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === '') return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** Why the pod may not run on the node, or undefined when it may. */
export function misfit(spec: V1PodSpec | undefined, n: V1Node): string | undefined {
  if (!nodeReady(n)) return 'not Ready';
  const wanted = Object.entries(spec?.nodeSelector ?? {});
  const labels = n.metadata?.labels ?? {};
  const unmatched = wanted.filter(([k, v]) => labels[k] !== v);
  if (unmatched.length > 0) return `no label ${unmatched.map(([k, v]) => `${k}=${v}`).join(', ')}`;
  const untolerated = taintsOf(n).filter((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !(spec?.tolerations ?? []).some((t) => tolerates(t, taint)));
  if (untolerated.length > 0) return `untolerated taint ${untolerated.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')}`;
  return undefined;
}

/** The DaemonSet's pod spec with the tolerations its controller adds. */
export function withDaemonSetTolerations(spec: V1PodSpec): V1PodSpec {
  const own = spec.tolerations ?? [];
  const added = DAEMONSET_TOLERATIONS.filter((d) => !own.some((t) => t.key === d.key && t.effect === d.effect));
  return { ...spec, tolerations: [...own, ...added] };
}
