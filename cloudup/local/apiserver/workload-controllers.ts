/**
 * The workload half of the local cloud's controller-manager stand-in, through the public API
 * like the real controllers: the DaemonSet controller (./daemonset-controller.ts), the
 * Deployment controller (./deployment-controller.ts, without ReplicaSets) and a minimal
 * scheduler step (./scheduler.ts), one pass over a listing of nodes, pods and workloads every
 * second; pods whose DaemonSet or Deployment was deleted are deleted too (the garbage
 * collector's part for them). Each workload's status is written only when it changed. No containers run anywhere:
 * the kubelet stand-in reports the pods bound to its node Running and Ready.
 */

import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { EventSink } from '../../../src/output/events.js';
import { syncDaemonSet } from './daemonset-controller.js';
import { syncDeployment } from './deployment-controller.js';
import { schedule } from './scheduler.js';

/** How the controllers change pods; both keep the pass's own listing current. */
export interface PodWriter {
  create(namespace: string, pod: V1Pod): Promise<V1Pod>;
  delete(namespace: string, pod: V1Pod): Promise<void>;
}

export interface WorkloadOptions {
  readonly kubeconfig: KubeConfig;
  readonly events?: EventSink;
  readonly now?: () => Date;
}

const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** Whether `next` changes any field it sets in `before` (dates compare as the JSON they are sent as). */
function changes(before: object | undefined, next: object): boolean {
  const b = (before ?? {}) as Record<string, unknown>;
  return Object.entries(next).some(([k, v]) => JSON.stringify(v) !== JSON.stringify(b[k]));
}

export class WorkloadControllers {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly events: EventSink;
  private readonly now: () => Date;

  constructor(opts: WorkloadOptions) {
    this.core = opts.kubeconfig.makeApiClient(CoreV1Api);
    this.apps = opts.kubeconfig.makeApiClient(AppsV1Api);
    this.events = opts.events ?? (() => undefined);
    this.now = opts.now ?? (() => new Date());
  }

  async reconcile(): Promise<void> {
    // Pods before nodes: a drain cordons, then evicts, so a listing that has seen a pod evicted
    // also sees its node cordoned, and the replacement is not bound to it.
    const listed = (await this.core.listPodForAllNamespaces()).items;
    const [nodes, daemonSets, deployments] = await Promise.all([
      this.core.listNode().then((l) => l.items),
      this.apps.listDaemonSetForAllNamespaces().then((l) => l.items),
      this.apps.listDeploymentForAllNamespaces().then((l) => l.items),
    ]);
    let pods = listed;
    const writer: PodWriter = {
      create: async (namespace, pod) => {
        const made = await this.core.createNamespacedPod({ namespace, body: pod });
        pods = [...pods, made];
        this.events({ level: 'info', code: 'controller.pod-created', message: `created pod ${namespace}/${made.metadata?.name ?? '?'}${made.spec?.nodeName ? ` on node ${made.spec.nodeName}` : ''} for ${pod.metadata?.ownerReferences?.[0]?.kind ?? '?'} ${pod.metadata?.ownerReferences?.[0]?.name ?? '?'}` });
        return made;
      },
      delete: async (namespace, pod) => {
        const name = pod.metadata?.name ?? '';
        await this.core.deleteNamespacedPod({ name, namespace }).catch((e: unknown) => {
          if (codeOf(e) !== 404) throw e;
        });
        pods = pods.filter((p) => p.metadata?.uid !== pod.metadata?.uid);
        this.events({ level: 'info', code: 'controller.pod-deleted', message: `deleted pod ${namespace}/${name}` });
      },
    };
    // The garbage collector's part: pods whose DaemonSet or Deployment is gone go too.
    const owners = new Set([...daemonSets, ...deployments].map((w) => w.metadata?.uid));
    for (const pod of pods) {
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
      if (owner !== undefined && owner.apiVersion === 'apps/v1' && (owner.kind === 'DaemonSet' || owner.kind === 'Deployment') && !owners.has(owner.uid)) await writer.delete(pod.metadata?.namespace ?? 'default', pod);
    }
    for (const ds of daemonSets) {
      const status = await syncDaemonSet(ds, nodes, pods, writer);
      if (!changes(ds.status, status)) continue;
      await this.apps.replaceNamespacedDaemonSetStatus({ name: ds.metadata?.name ?? '', namespace: ds.metadata?.namespace ?? 'default', body: { ...ds, status: { ...ds.status, ...status } } }).catch(ignoreConflict);
    }
    for (const d of deployments) {
      const status = await syncDeployment(d, pods, writer, this.now());
      if (!changes(d.status, status)) continue;
      await this.apps.replaceNamespacedDeploymentStatus({ name: d.metadata?.name ?? '', namespace: d.metadata?.namespace ?? 'default', body: { ...d, status: { ...d.status, ...status } } }).catch(ignoreConflict);
    }
    await this.bind(schedule(pods, nodes));
  }

  private async bind(placements: ReturnType<typeof schedule>): Promise<void> {
    for (const { pod, node, reason } of placements) {
      const name = pod.metadata?.name ?? '';
      const namespace = pod.metadata?.namespace ?? 'default';
      if (node !== undefined) {
        // The stand-in API server takes the binding as an update of spec.nodeName (a real one takes a Binding).
        await this.core.replaceNamespacedPod({ name, namespace, body: { ...pod, spec: { containers: [], ...pod.spec, nodeName: node } } }).then(
          () => this.events({ level: 'info', code: 'controller.pod-bound', message: `bound pod ${namespace}/${name} to node ${node}` }),
          ignoreConflict,
        );
        continue;
      }
      const said = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (said?.status === 'False' && said.message === reason) continue;
      const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason ?? '', lastTransitionTime: this.now() };
      await this.core.patchNamespacedPodStatus({ name, namespace, body: { status: { phase: 'Pending', conditions: [condition] } } }, strategic).catch(ignoreConflict);
      this.events({ level: 'info', code: 'controller.pod-unschedulable', message: `pod ${namespace}/${name}: ${reason ?? ''}` });
    }
  }

  /** Runs `reconcile` every `intervalMs` until the returned function is called. */
  start(intervalMs: number): () => Promise<void> {
    let stopped = false;
    let busy = false;
    let running: Promise<void> = Promise.resolve();
    // A pass slower than the interval is not queued behind: the next tick after it starts anew.
    const tick = (): void => {
      if (stopped || busy) return;
      busy = true;
      running = this.reconcile()
        .catch((e: unknown) => this.events({ level: 'warn', code: 'controller.error', message: e instanceof Error ? e.message : String(e) }))
        .finally(() => void (busy = false));
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    };
  }
}

/** Someone changed the object since it was listed (409) or deleted it (404): the next pass sees it anew. */
function ignoreConflict(e: unknown): void {
  const code = codeOf(e);
  if (code !== 409 && code !== 404) throw e;
}
