/**
 * kops's checks through the Kubernetes API: every machine has a registered Node that is Ready,
 * and the control plane's pods in kube-system (the kubelets' mirror pods of their static pods,
 * and pods of system-critical priority) are Running and ready. Each failure names the node or
 * pod and its condition, so the same checks read the same on every cloud.
 */

import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ValidationFailure } from './validate.js';

export interface ApiMachine {
  readonly id: string;
  /** Its Node's name, where that is not `id`. */
  readonly nodeName?: string;
  readonly group: string;
}

const MIRROR = 'kubernetes.io/config.mirror';
const CRITICAL = new Set(['system-cluster-critical', 'system-node-critical']);

export async function kubernetesFailures(kc: KubeConfig, machines: readonly ApiMachine[]): Promise<ValidationFailure[]> {
  const core = kc.makeApiClient(CoreV1Api);
  let nodes: V1Node[];
  let pods: V1Pod[];
  try {
    [nodes, pods] = await Promise.all([core.listNode().then((l) => l.items), core.listNamespacedPod({ namespace: 'kube-system' }).then((l) => l.items)]);
  } catch (e) {
    return [{ kind: 'api', name: kc.getCurrentCluster()?.server ?? 'api', message: `the Kubernetes API did not answer: ${apiError(e)}` }];
  }
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const failures: ValidationFailure[] = [];
  for (const m of machines) {
    const name = m.nodeName ?? m.id;
    const node = byName.get(name);
    if (node === undefined) {
      failures.push({ kind: 'node', name, message: `machine ${m.id} of group ${m.group} has no registered Node` });
      continue;
    }
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') {
      const why = [ready?.reason, ready?.message].filter(Boolean).join(': ');
      failures.push({ kind: 'node', name, message: `of group ${m.group} is NotReady (condition Ready is ${ready?.status ?? 'missing'}${why ? `; ${why}` : ''})` });
    }
  }
  for (const pod of pods.filter(isControlPlanePod)) failures.push(...podFailures(pod));
  return failures;
}

function isControlPlanePod(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[MIRROR] !== undefined || CRITICAL.has(pod.spec?.priorityClassName ?? '');
}

function podFailures(pod: V1Pod): ValidationFailure[] {
  const name = `kube-system/${pod.metadata?.name ?? '?'}`;
  const where = pod.spec?.nodeName ? ` on node ${pod.spec.nodeName}` : '';
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase === 'Succeeded') return [];
  if (phase !== 'Running') return [{ kind: 'pod', name, message: `is ${phase}, not Running${where || ' (unscheduled)'}` }];
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return [];
  const waiting = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready).map((c) => `${c.name}${c.state?.waiting?.reason ? ` ${c.state.waiting.reason}` : ''}`);
  const detail = `condition Ready is ${ready?.status ?? 'missing'}${waiting.length ? `; containers not ready: ${waiting.join(', ')}` : ''}`;
  return [{ kind: 'pod', name, message: `is Running but not ready${where} (${detail})` }];
}

function apiError(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e);
  return typeof code === 'number' ? `HTTP ${code}: ${message}` : message;
}
