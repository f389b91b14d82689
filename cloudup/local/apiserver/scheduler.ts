/**
 * A minimal scheduler step: each pod without a node goes to a Ready, schedulable node whose
 * labels match its nodeSelector and whose taints it tolerates (./pod-fit.ts): the one running
 * the fewest pods of the same owner (as the default spreading of kube-scheduler spreads a
 * Deployment's replicas over the nodes), then the fewest pods, then by name. A pod no
 * node takes is left unbound, with the reason per node, as kube-scheduler reports
 * `0/3 nodes are available: ...`. No affinity, resources, ports or priorities.
 */

import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { misfit, nodeName } from './pod-fit.js';
import { finished, terminating } from './workload-pods.js';

export interface Placement {
  readonly pod: V1Pod;
  /** The node chosen, or undefined when none fits. */
  readonly node?: string;
  /** Why no node fits, kube-scheduler's way. */
  readonly reason?: string;
}

const MIRROR = 'kubernetes.io/config.mirror';

export function schedule(pods: readonly V1Pod[], nodes: readonly V1Node[]): Placement[] {
  const load = new Map(nodes.map((n) => [nodeName(n), 0]));
  // Per owner and node: `<owner uid>/<node>`.
  const siblings = new Map<string, number>();
  const ownerOf = (p: V1Pod): string => p.metadata?.ownerReferences?.find((r) => r.controller === true)?.uid ?? `pod:${p.metadata?.uid ?? ''}`;
  const count = (p: V1Pod, node: string): void => {
    load.set(node, (load.get(node) ?? 0) + 1);
    siblings.set(`${ownerOf(p)}/${node}`, (siblings.get(`${ownerOf(p)}/${node}`) ?? 0) + 1);
  };
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node !== undefined && node !== '' && load.has(node) && !terminating(p) && !finished(p) && p.metadata?.annotations?.[MIRROR] === undefined) count(p, node);
  }
  const placements: Placement[] = [];
  const pending = pods.filter((p) => (p.spec?.nodeName ?? '') === '' && !terminating(p) && !finished(p));
  for (const pod of pending) {
    const reasons = new Map<string, number>();
    const fits = nodes.filter((n) => {
      const why = misfit(pod.spec, n);
      if (why !== undefined) reasons.set(why, (reasons.get(why) ?? 0) + 1);
      return why === undefined;
    });
    const same = (n: string): number => siblings.get(`${ownerOf(pod)}/${n}`) ?? 0;
    const best = fits.map(nodeName).sort((a, b) => same(a) - same(b) || (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b))[0];
    if (best === undefined) {
      const detail = [...reasons].map(([why, count]) => `${count} node(s) ${why.startsWith('no label') ? `had ${why}` : why === 'not Ready' ? 'were not Ready' : `had ${why}`}`).join(', ');
      placements.push({ pod, reason: `0/${nodes.length} nodes are available${detail ? `: ${detail}` : ''}.` });
      continue;
    }
    count(pod, best);
    placements.push({ pod, node: best });
  }
  return placements;
}
