/**
 * What the kubelet tells the API server about its machine, through its own credential: it
 * registers its Node (labels, taints, addresses, version, Ready), renews its Lease in
 * kube-node-lease every 10 s (what the node lifecycle controller watches), sets Ready again
 * when the controller marked it Unknown, keeps one mirror pod per static pod, and reports the
 * other pods bound to its node Running and Ready (./pods.ts; no containers are run).
 */

import { CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease, V1Node, V1NodeCondition, V1Pod, V1Taint } from '@kubernetes/client-node';
import type { EventSink } from '../../../src/output/events.js';
import { mirrorPod, mirrorPodStatus } from './mirror-pods.js';
import { reportBoundPods } from './pods.js';
import type { StaticPod } from './mirror-pods.js';

export interface NodeAgentOptions {
  /** The kubelet's kubeconfig (its own client certificate). */
  readonly kubeconfig: KubeConfig;
  readonly nodeName: string;
  readonly address: string;
  /** The Kubernetes version, without `v`. */
  readonly version: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly V1Taint[];
  /** The static pods this kubelet runs now. */
  readonly staticPods?: () => readonly StaticPod[];
  /** The real kubelet renews every 10 s (a quarter of the 40 s grace period). */
  readonly leaseRenewMs?: number;
  /** How often the pods bound to the node are looked at (the real kubelet watches them). */
  readonly podSyncMs?: number;
  /** How often the Ready heartbeat is posted when nothing changed (the real kubelet: 5 minutes). */
  readonly statusReportMs?: number;
  readonly events?: EventSink;
  readonly now?: () => Date;
}

const LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_SECONDS = 40;
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const codeOf = (e: unknown): number | undefined => (e as { code?: number }).code;

export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly leases: CoordinationV1Api;
  private readonly now: () => Date;
  private readonly events: EventSink;
  private lease: V1Lease | undefined;
  private lastStatus = 0;
  private registered = false;
  private readonly mirrors = new Map<string, string>();

  constructor(private readonly opts: NodeAgentOptions) {
    this.core = opts.kubeconfig.makeApiClient(CoreV1Api);
    this.leases = opts.kubeconfig.makeApiClient(CoordinationV1Api);
    this.now = opts.now ?? (() => new Date());
    this.events = opts.events ?? (() => undefined);
  }

  private readyCondition(): V1NodeCondition {
    const now = this.now();
    return { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now };
  }

  private nodeStatus(): V1Node['status'] {
    return {
      conditions: [this.readyCondition()],
      addresses: [
        { type: 'InternalIP', address: this.opts.address },
        { type: 'Hostname', address: this.opts.nodeName },
      ],
      nodeInfo: {
        kubeletVersion: `v${this.opts.version}`,
        kubeProxyVersion: `v${this.opts.version}`,
        operatingSystem: 'linux',
        architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
        containerRuntimeVersion: 'hoist-stand-in://0',
        osImage: 'hoist local cloud',
        kernelVersion: '',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    };
  }

  /** Creates the Node (or finds it, on a restart), posts Ready, creates the Lease and the mirror pods. */
  async register(): Promise<void> {
    const name = this.opts.nodeName;
    const labels = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'arm64' ? 'arm64' : 'amd64', ...this.opts.labels };
    try {
      await this.core.createNode({ body: { metadata: { name, labels }, spec: this.opts.taints?.length ? { taints: [...this.opts.taints] } : {}, status: this.nodeStatus() } });
      this.events({ level: 'info', code: 'kubelet.node-registered', message: `registered node ${name}` });
    } catch (e) {
      if (codeOf(e) !== 409) throw e;
      this.events({ level: 'info', code: 'kubelet.node-exists', message: `node ${name} is registered already` });
    }
    await this.postStatus();
    await this.renewLease();
    this.registered = true;
    await this.syncMirrorPods();
  }

  private async postStatus(): Promise<void> {
    await this.core.patchNodeStatus({ name: this.opts.nodeName, body: { status: this.nodeStatus() } }, strategic);
    this.lastStatus = this.now().getTime();
  }

  async renewLease(): Promise<void> {
    const name = this.opts.nodeName;
    const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime: this.now() };
    if (this.lease === undefined) {
      try {
        this.lease = await this.leases.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: { metadata: { name, namespace: LEASE_NAMESPACE }, spec } });
        return;
      } catch (e) {
        if (codeOf(e) !== 409) throw e;
        this.lease = await this.leases.readNamespacedLease({ name, namespace: LEASE_NAMESPACE });
      }
    }
    try {
      this.lease = await this.leases.replaceNamespacedLease({ name, namespace: LEASE_NAMESPACE, body: { ...this.lease, spec: { ...this.lease.spec, ...spec } } });
    } catch (e) {
      // Changed by someone else since: read it again and retry on the next tick.
      this.lease = undefined;
      throw e;
    }
  }

  /** One tick: the Lease, Ready when it is not or when the heartbeat is due, and the mirror pods. */
  async tick(): Promise<void> {
    if (!this.registered) return this.register();
    await this.renewLease();
    const node = await this.core.readNode({ name: this.opts.nodeName });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True' || this.now().getTime() - this.lastStatus >= (this.opts.statusReportMs ?? 60_000)) {
      if (ready?.status !== 'True') this.events({ level: 'info', code: 'kubelet.node-ready', message: `node ${this.opts.nodeName} was ${ready?.status ?? 'without Ready'}: posting Ready` });
      await this.postStatus();
    }
    await this.syncMirrorPods();
  }

  /** Mirror pods: one per static pod (created, or replaced when its manifest changed), none for a pod that went. */
  async syncMirrorPods(): Promise<void> {
    const pods = this.opts.staticPods?.() ?? [];
    const wanted = new Map(pods.map((p) => [p.file, mirrorPod(p, this.opts.nodeName, this.now())]));
    for (const [file, key] of [...this.mirrors]) {
      const next = wanted.get(file);
      if (next !== undefined && `${next.metadata?.namespace ?? ''}/${next.metadata?.name ?? ''}@${next.metadata?.annotations?.['kubernetes.io/config.hash'] ?? ''}` === key) continue;
      await this.deleteMirror(key);
      this.mirrors.delete(file);
    }
    for (const [file, pod] of wanted) {
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}@${pod.metadata?.annotations?.['kubernetes.io/config.hash'] ?? ''}`;
      if (this.mirrors.get(file) === key) continue;
      await this.createMirror(pod);
      this.mirrors.set(file, key);
    }
  }

  private async createMirror(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await this.core.createNamespacedPod({ namespace, body: pod });
    } catch (e) {
      if (codeOf(e) !== 409) throw e;
      // Left by an earlier run: replace it, its manifest may have changed since.
      await this.core.deleteNamespacedPod({ name, namespace });
      await this.core.createNamespacedPod({ namespace, body: pod });
    }
    await this.core.patchNamespacedPodStatus({ name, namespace, body: { status: mirrorPodStatus(pod, this.opts.address, this.now()) } }, strategic);
    this.events({ level: 'info', code: 'kubelet.mirror-pod', message: `mirror pod ${namespace}/${name} posted` });
  }

  private async deleteMirror(key: string): Promise<void> {
    const [namespace = 'default', name = ''] = key.split('@')[0]?.split('/') ?? [];
    await this.core.deleteNamespacedPod({ name, namespace }).catch((e: unknown) => {
      if (codeOf(e) !== 404) throw e;
    });
  }

  /** Reports the pods bound to this node Running and Ready, once it is registered. */
  async syncPods(): Promise<void> {
    if (!this.registered) return;
    await reportBoundPods(this.core, this.opts.nodeName, this.opts.address, this.now(), this.events);
  }

  /** Registers, then ticks every `leaseRenewMs` (and looks at its pods every `podSyncMs`) until the returned function is called. */
  start(): () => Promise<void> {
    let stopped = false;
    let running: Promise<void> = this.register().catch((e: unknown) => this.failed(e));
    let pods: Promise<void> = Promise.resolve();
    let podsBusy = false;
    const timer = setInterval(() => {
      if (stopped) return;
      running = running.then(() => this.tick()).catch((e: unknown) => this.failed(e));
    }, this.opts.leaseRenewMs ?? 10_000);
    const podTimer = setInterval(() => {
      if (stopped || podsBusy) return;
      podsBusy = true;
      pods = this.syncPods()
        .catch((e: unknown) => this.failed(e))
        .finally(() => void (podsBusy = false));
    }, this.opts.podSyncMs ?? 1_000);
    return async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(podTimer);
      await Promise.all([running, pods]);
    };
  }

  private failed(e: unknown): void {
    this.events({ level: 'warn', code: 'kubelet.api-error', message: e instanceof Error ? e.message : String(e) });
  }
}
