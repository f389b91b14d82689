/**
 * The direction the running kubelets say a change goes in. A reconcile reads its starting
 * version from the applied spec; when that is already the target (the spec was applied with
 * `update cluster --yes`, or --allow-version-skew), the Ready nodes' kubelets still run the
 * old version, and their versions decide: one newer than the target means a downgrade (nodes
 * first), one older an upgrade. NotReady Nodes are left out: a replaced machine's Node stays
 * behind with the version it had.
 */

import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { compareKubernetesVersions, parseKubernetesVersion } from '../../src/api/versions.js';
import type { KubeApi } from '../rolling/kube-api.js';
import type { Direction } from './order.js';

export async function readyKubeletVersions(api: KubeApi): Promise<string[]> {
  const nodes = await api.config.makeApiClient(CoreV1Api).listNode();
  const ready = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return nodes.items.filter(ready).flatMap((n) => (n.status?.nodeInfo?.kubeletVersion ? [n.status.nodeInfo.kubeletVersion] : []));
}

export function liveDirection(kubelets: readonly string[], target: string): Direction {
  const to = parseKubernetesVersion(target);
  if (!to) return 'none';
  const order = kubelets.flatMap((k) => {
    const v = parseKubernetesVersion(k);
    return v ? [Math.sign(compareKubernetesVersions(v, to))] : [];
  });
  if (order.includes(1)) return 'downgrade';
  return order.includes(-1) ? 'upgrade' : 'none';
}
