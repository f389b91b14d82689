/**
 * The controller-manager stand-in: the three controllers of kube-controller-manager a cluster
 * of the local cloud needs, talking to the API server through its public API like the real one:
 * - csrapproving: approves kubelet client CSRs of bootstrappers (and a node renewing its own),
 *   as kube-controller-manager's approver does;
 * - csrsigning: signs approved CSRs of the kubelet signers with the cluster CA;
 * - node lifecycle: a Node whose Lease (or, without one, whose Ready heartbeat) is older than
 *   the grace period is marked Ready=Unknown ("NotReady"), and its pods Ready=False, as the
 *   real controller marks them. It evicts nothing.
 * The DaemonSet and Deployment controllers and the scheduler step are in ./workload-controllers.ts.
 */

import { CertificatesV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1CertificateSigningRequest, V1Node } from '@kubernetes/client-node';
import type { CertificateAuthority } from '../../../src/pki/issue.js';
import type { EventSink } from '../../../src/output/events.js';
import { parseRequest, signRequest } from './csr-signer.js';

export interface ControllerOptions {
  readonly kubeconfig: KubeConfig;
  readonly ca: CertificateAuthority;
  /** How long a node may go without renewing its Lease before it is NotReady (kube-controller-manager's --node-monitor-grace-period). */
  readonly gracePeriodMs: number;
  readonly events?: EventSink;
  readonly now?: () => Date;
}

const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const SIGNERS = new Set([CLIENT_SIGNER, 'kubernetes.io/kubelet-serving', 'kubernetes.io/kube-apiserver-client']);
const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

const decided = (csr: V1CertificateSigningRequest): boolean => (csr.status?.conditions ?? []).some((c) => (c.type === 'Approved' || c.type === 'Denied' || c.type === 'Failed') && c.status === 'True');
const approved = (csr: V1CertificateSigningRequest): boolean => (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' && c.status === 'True');

export class ControllerManager {
  private readonly core: CoreV1Api;
  private readonly certs: CertificatesV1Api;
  private readonly leases: CoordinationV1Api;
  private readonly now: () => Date;
  private readonly events: EventSink;

  constructor(private readonly opts: ControllerOptions) {
    this.core = opts.kubeconfig.makeApiClient(CoreV1Api);
    this.certs = opts.kubeconfig.makeApiClient(CertificatesV1Api);
    this.leases = opts.kubeconfig.makeApiClient(CoordinationV1Api);
    this.now = opts.now ?? (() => new Date());
    this.events = opts.events ?? (() => undefined);
  }

  /** One pass of every controller. */
  async reconcile(): Promise<void> {
    await this.approveAndSign();
    await this.markStaleNodes();
  }

  /**
   * Runs the node lifecycle every `intervalMs` (kube-controller-manager's --node-monitor-period)
   * and the CSR approver and signer every `csrIntervalMs` until the returned function is called.
   * The real ones watch CSRs and answer at once; a machine's kubelet waits for its certificate
   * before it can register, so they look often. A pass still running is not started again.
   */
  start(intervalMs: number, csrIntervalMs = intervalMs): () => Promise<void> {
    let stopped = false;
    const every = (pass: () => Promise<void>, ms: number): (() => Promise<void>) => {
      let running: Promise<void> | undefined;
      const tick = (): void => {
        if (stopped || running !== undefined) return;
        running = pass()
          .catch((e: unknown) => this.events({ level: 'warn', code: 'controller.error', message: e instanceof Error ? e.message : String(e) }))
          .finally(() => (running = undefined));
      };
      tick();
      const timer = setInterval(tick, ms);
      return async () => {
        clearInterval(timer);
        await running;
      };
    };
    const loops = [every(() => this.approveAndSign(), csrIntervalMs), every(() => this.markStaleNodes(), intervalMs)];
    return async () => {
      stopped = true;
      await Promise.all(loops.map((stop) => stop()));
    };
  }

  private async approveAndSign(): Promise<void> {
    for (const csr of (await this.certs.listCertificateSigningRequest()).items) {
      const name = csr.metadata?.name ?? '';
      if (!decided(csr) && (await this.isKubeletClientRequest(csr))) {
        const conditions = [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', lastUpdateTime: this.now() }];
        const stored = await this.certs.replaceCertificateSigningRequestApproval({ name, body: { ...csr, status: { ...csr.status, conditions } } });
        this.events({ level: 'info', code: 'controller.csr-approved', message: `approved ${name} for ${csr.spec.username ?? '?'}` });
        // Signed now, from the object the approval stored (its resourceVersion is the current one).
        await this.sign(stored);
        continue;
      }
      if (approved(csr) && (csr.status?.certificate ?? '') === '' && SIGNERS.has(csr.spec.signerName)) await this.sign(csr);
    }
  }

  /** kube-controller-manager's approver: a node client certificate asked by a bootstrapper, or by the node it names. */
  private async isKubeletClientRequest(csr: V1CertificateSigningRequest): Promise<boolean> {
    if (csr.spec.signerName !== CLIENT_SIGNER) return false;
    const parsed = await parseRequest(csr.spec.request);
    if (typeof parsed === 'string') return false;
    if (!parsed.commonName.startsWith('system:node:') || parsed.organizations.join(',') !== 'system:nodes') return false;
    if (!(csr.spec.usages ?? []).every((u) => CLIENT_USAGES.has(u)) || !(csr.spec.usages ?? []).includes('client auth')) return false;
    const groups = csr.spec.groups ?? [];
    return groups.includes('system:bootstrappers') || (groups.includes('system:nodes') && csr.spec.username === parsed.commonName);
  }

  private async sign(csr: V1CertificateSigningRequest): Promise<void> {
    const name = csr.metadata?.name ?? '';
    const parsed = await parseRequest(csr.spec.request);
    if (typeof parsed === 'string') {
      const conditions = [...(csr.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SigningError', message: parsed, lastUpdateTime: this.now() }];
      await this.certs.replaceCertificateSigningRequestStatus({ name, body: { ...csr, status: { ...csr.status, conditions } } });
      return;
    }
    const pem = await signRequest(this.opts.ca, parsed, csr.spec.usages ?? [], csr.spec.expirationSeconds, this.now());
    await this.certs.replaceCertificateSigningRequestStatus({ name, body: { ...csr, status: { ...csr.status, certificate: Buffer.from(pem).toString('base64') } } });
    this.events({ level: 'info', code: 'controller.csr-signed', message: `signed ${name} (${parsed.commonName})` });
  }

  private async markStaleNodes(): Promise<void> {
    const leases = new Map((await this.leases.listNamespacedLease({ namespace: 'kube-node-lease' })).items.map((l) => [l.metadata?.name ?? '', l]));
    const now = this.now().getTime();
    for (const node of (await this.core.listNode()).items) {
      const name = node.metadata?.name ?? '';
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready === undefined || ready.status === 'Unknown') continue;
      const lease = leases.get(name)?.spec?.renewTime;
      const heard = lease ?? ready.lastHeartbeatTime;
      if (heard === undefined || now - new Date(heard).getTime() <= this.opts.gracePeriodMs) continue;
      await this.markUnknown(node, new Date(heard));
    }
  }

  private async markUnknown(node: V1Node, heard: Date): Promise<void> {
    const name = node.metadata?.name ?? '';
    const condition = { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: heard, lastTransitionTime: this.now() };
    await this.core.patchNodeStatus({ name, body: { status: { conditions: [condition] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    this.events({ level: 'warn', code: 'controller.node-not-ready', message: `node ${name} is NotReady: its lease was last renewed at ${heard.toISOString()}` });
    // Nobody vouches for its pods any more: they stop counting as ready (kube-controller-manager's MarkPodsNotReady).
    for (const pod of (await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` })).items) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') continue;
      const notReady = { type: 'Ready', status: 'False', reason: 'NodeNotReady', lastTransitionTime: this.now() };
      await this.core.patchNamespacedPodStatus({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', body: { status: { conditions: [notReady] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)).catch(() => undefined);
    }
  }
}
