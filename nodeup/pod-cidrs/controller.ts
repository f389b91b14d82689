/**
 * The pod range of each Node of an AWS IPv6 cluster, as kops-controller's AWS IPAM sets it: the
 * controller manager cuts no node ranges there (`--allocate-node-cidrs=false`); a Node's range is
 * the IPv6 /80 prefix EC2 delegated to its machine's primary interface (the launch template's
 * `Ipv6PrefixCount: 1`), which the VPC routes to the machine. cilium (`ipam: kubernetes`) and
 * calico (`usePodCidrIPv6`) give pods addresses of the Node's `spec.podCIDRs`.
 *
 * A pass lists the Nodes and, for those with an `aws:///<zone>/<instance id>` providerID (the
 * cloud controller sets it) and no pod range yet, reads their instances' prefixes in one call and
 * patches `spec.podCIDR` and `spec.podCIDRs`. A Node that has a range is never touched (the API
 * server refuses to change one once set). Every control-plane machine runs a loop, with no
 * leader: each patch names the resourceVersion it read, so of two machines patching one Node
 * (with the same prefix) one wins and the other, refused, reads the Node again and finds it done.
 * A machine without a single prefix is reported (a Warning Event on its Node, once per loop, and
 * the service's log) and left alone.
 */

import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import type { EventSink } from '../../src/output/events.js';
import { apiMessage, statusOf } from '../addons/kube.js';
import type { InstancePrefixes, PrefixSource } from './aws-prefixes.js';

/** The component its Events name, and its field manager. */
export const POD_CIDRS_COMPONENT = 'hoist-aws-ipam';

export interface PodCidrsOptions {
  readonly kube: KubeConfig;
  readonly prefixes: PrefixSource;
  readonly events: EventSink;
  /** This machine (the Events' host). */
  readonly instanceId: string;
  /** How often the Nodes are listed (default 5 s); a pass with every Node done costs one list. */
  readonly pollMs?: number;
}

export interface PassResult {
  /** Nodes given a range in this pass, with it. */
  readonly assigned: readonly { readonly node: string; readonly podCIDR: string }[];
  /** Nodes left without one: the reason, as reported. */
  readonly unassigned: readonly { readonly node: string; readonly reason: string }[];
}

/** `aws:///us-east-1a/i-0123456789abcdef0` (the zone may be empty) → the instance id. */
export function instanceOfProviderId(providerID: string | undefined): string | undefined {
  return /^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/.exec(providerID ?? '')?.[1];
}

const hasRange = (n: V1Node): boolean => (n.spec?.podCIDRs?.length ?? 0) > 0 || (n.spec?.podCIDR ?? '') !== '';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Why `found` gives the Node no range, or undefined when it gives exactly one prefix. */
function refusal(instanceId: string, found: InstancePrefixes | undefined): string | undefined {
  if (found === undefined) return `EC2 knows no instance ${instanceId}: its Node's providerID names a machine that is gone or of another account or region`;
  const eni = found.interfaceId ?? '(none)';
  if (found.prefixes.length === 0) {
    return `instance ${instanceId} has no IPv6 prefix on its primary network interface ${eni}, so its pods get no addresses: launch it from a launch template with Ipv6PrefixCount: 1 (hoist's are), or delegate one: aws ec2 assign-ipv6-addresses --network-interface-id ${eni} --ipv6-prefix-count 1`;
  }
  if (found.prefixes.length > 1) return `instance ${instanceId} has ${found.prefixes.length} IPv6 prefixes on ${eni} (${found.prefixes.join(', ')}): a Node takes one pod range per family; unassign all but one (aws ec2 unassign-ipv6-addresses --ipv6-prefixes …)`;
  return undefined;
}

export class NodePodCidrs {
  private readonly core: CoreV1Api;
  /** Nodes (by uid) already reported, so that a machine without a prefix makes one Event, not one per pass. */
  private readonly reported = new Set<string>();
  private stopped = false;

  constructor(private readonly opts: PodCidrsOptions) {
    this.core = opts.kube.makeApiClient(CoreV1Api);
  }

  async pass(): Promise<PassResult> {
    const nodes = (await this.core.listNode()).items;
    const pending = nodes.flatMap((node) => {
      const instanceId = instanceOfProviderId(node.spec?.providerID);
      // No providerID yet: the cloud controller has not seen the Node; a later pass will.
      return hasRange(node) || instanceId === undefined ? [] : [{ node, instanceId }];
    });
    if (pending.length === 0) return { assigned: [], unassigned: [] };
    const found = await this.opts.prefixes.prefixesOf(pending.map((p) => p.instanceId));
    const assigned: { node: string; podCIDR: string }[] = [];
    const unassigned: { node: string; reason: string }[] = [];
    for (const { node, instanceId } of pending) {
      const name = node.metadata?.name ?? '';
      const info = found.get(instanceId);
      const reason = refusal(instanceId, info);
      if (reason !== undefined || info === undefined) {
        unassigned.push({ node: name, reason: reason ?? '' });
        await this.report(node, 'Warning', 'NoIPv6Prefix', reason ?? '');
        continue;
      }
      const podCIDR = info.prefixes[0] ?? '';
      try {
        if (await this.assign(node, podCIDR)) {
          assigned.push({ node: name, podCIDR });
          this.opts.events({ level: 'info', code: 'pod-cidrs.assigned', message: `node ${name}: pod range ${podCIDR}, the IPv6 prefix of ${instanceId}'s interface ${info.interfaceId ?? ''}`, data: { node: name, instanceId, podCIDR } });
          await this.report(node, 'Normal', 'PodCIDRAssigned', `pod range ${podCIDR}: the IPv6 prefix of ${instanceId}'s interface ${info.interfaceId ?? ''}`);
        }
      } catch (e) {
        unassigned.push({ node: name, reason: apiMessage(e) });
        this.opts.events({ level: 'warn', code: 'pod-cidrs.patch-failed', message: `node ${name}: its pod range ${podCIDR} was not set: ${apiMessage(e)}; tried again on the next pass`, data: { node: name, podCIDR } });
      }
    }
    return { assigned, unassigned };
  }

  /**
   * Sets the Node's range unless it has one; false when another writer set it first. The patch
   * names the resourceVersion it read: a Node changed since (its kubelet's status, another
   * control-plane machine) is read again and tried once more.
   */
  private async assign(first: V1Node, podCIDR: string): Promise<boolean> {
    const name = first.metadata?.name ?? '';
    let node = first;
    for (let attempt = 0; ; attempt++) {
      if (hasRange(node)) return false;
      const body = { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { podCIDR, podCIDRs: [podCIDR] } };
      try {
        await this.core.patchNode({ name, body, fieldManager: POD_CIDRS_COMPONENT }, merge);
        return true;
      } catch (e) {
        if (statusOf(e) !== 409 || attempt >= 2) throw e;
      }
      node = await this.core.readNode({ name });
    }
  }

  /** A Kubernetes Event on the Node (`kubectl describe node` shows it), and the log line of a warning; each Node's warning once. */
  private async report(node: V1Node, type: 'Normal' | 'Warning', reason: string, text: string): Promise<void> {
    const name = node.metadata?.name ?? '';
    if (type === 'Warning') {
      const key = `${node.metadata?.uid ?? name}/${text}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
      this.opts.events({ level: 'warn', code: 'pod-cidrs.unassigned', message: `node ${name}: ${text}`, data: { node: name } });
    }
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { name: `${name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace: 'default' },
          involvedObject: { apiVersion: 'v1', kind: 'Node', name, ...(node.metadata?.uid === undefined ? {} : { uid: node.metadata.uid }) },
          reason,
          message: text,
          type,
          source: { component: POD_CIDRS_COMPONENT, host: this.opts.instanceId },
          reportingComponent: POD_CIDRS_COMPONENT,
          reportingInstance: this.opts.instanceId,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (e) {
      this.opts.events({ level: 'warn', code: 'pod-cidrs.event-failed', message: `node ${name}: the ${reason} Event was not recorded: ${apiMessage(e)}` });
    }
  }

  /** Passes every `pollMs` until stopped; a failed pass (the API or EC2 unreachable) is logged and the next one tries again. */
  start(): { stop(): Promise<void> } {
    let wake: () => void = () => undefined;
    const loop = (async () => {
      while (!this.stopped) {
        await this.pass().catch((e: unknown) => this.opts.events({ level: 'error', code: 'pod-cidrs.pass-failed', message: `pod ranges: ${apiMessage(e) || message(e)}` }));
        if (this.stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.opts.pollMs ?? 5_000);
          wake = () => (clearTimeout(timer), resolve());
        });
      }
    })();
    return {
      stop: async () => {
        this.stopped = true;
        wake();
        await loop;
      },
    };
  }
}
