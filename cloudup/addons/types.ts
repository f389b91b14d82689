/**
 * An addon as hoist renders it: a name, a pinned version, its Kubernetes objects and the
 * workloads whose availability says it is healthy. Templates are functions of the completed
 * spec (typed TypeScript, not text templates), so a spec field they read is checked at compile time.
 */

import type { CompletedInstanceGroup, CompletedSpec } from '../../src/api/index.js';
import type { AddonHealthCheck } from '../../nodeup/addons/channel.js';

/** One Kubernetes object: what the applier sends to the API server with server-side apply. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

export interface AddonDefinition {
  readonly name: string;
  /** The upstream version the addon's images are pinned to (or hoist's own, for core). */
  readonly version: string;
  readonly objects: readonly KubeObject[];
  readonly health: readonly AddonHealthCheck[];
}

/** What templates read besides the spec: values the nodes are given too, computed once. */
export interface AddonContext {
  readonly completed: CompletedSpec;
  readonly cluster: string;
  /**
   * The kube-dns Service's address (spec.kubeDNS.serverIP, defaulted): CoreDNS's, and what the
   * kubelets' clusterDNS names unless node-local-dns answers them at its local address.
   */
  readonly clusterDNS: string;
  readonly clusterDomain: string;
  readonly podCIDR: string;
  /** Where the images come from: spec.assets.containerRegistry replaces each image's registry. */
  readonly image: (reference: string) => string;
  /**
   * The cluster CA's trust bundle (PEM), which signs the webhooks' serving certificates: what a
   * webhook configuration's caBundle holds. Read from the state store when an addon needs it.
   */
  readonly clusterCA?: string;
  /**
   * The cloud account the plan's credentials act in, when an addon of the cloud names objects
   * of it (CloudAddons.account): e.g. the ARNs of the IAM roles the AWS model makes, or the
   * workload identity pool a GCE credential configuration names by the project's number.
   */
  readonly account?: CloudAccount;
}

/**
 * A cloud account as an addon names it: on aws, the account's id and its partition (`aws`,
 * `aws-cn`, `aws-us-gov`); on gce, the project's number (which workload identity pools are named
 * by) and `gcp`.
 */
export interface CloudAccount {
  readonly id: string;
  readonly partition: string;
}

/** What a cloud adds to the set (cloudup/<cloud>/addons.ts), through the provider registry. */
export interface CloudAddons {
  /**
   * The addons every cluster on the cloud runs (its cloud-controller-manager and CSI driver),
   * then those only this cloud runs that the spec turns on (e.g. its identity webhooks).
   */
  readonly addons: (ctx: AddonContext) => readonly AddonDefinition[];
  /**
   * Whether an addon of the cloud needs the cluster CA's bundle (AddonContext.clusterCA, a
   * webhook's caBundle) for this spec: the plan reads it from the state store only then.
   */
  readonly needsClusterCA?: (completed: CompletedSpec) => boolean;
  /**
   * The account the plan's credentials act in (AddonContext.account), read from the cloud only
   * when an addon of the cloud names it for this spec; undefined, without a call, otherwise.
   */
  readonly account?: (completed: CompletedSpec, env: Readonly<Record<string, string | undefined>>) => Promise<CloudAccount | undefined>;
  /** Network plugins only this cloud offers, by their spec.networking field. */
  readonly networking?: Readonly<Record<string, (ctx: AddonContext) => AddonDefinition>>;
  /** How cluster-autoscaler drives the cloud's groups; absent: the cloud has no autoscaler support (`noAutoscaler` says why). */
  readonly autoscaler?: {
    readonly cloudProvider: string;
    /**
     * The groups of machines the cloud made for an instance group, each with its share of the
     * group's bounds (`--nodes=min:max:<name>`): one Auto Scaling group, or one managed instance
     * group per zone.
     */
    readonly groups: (ig: CompletedInstanceGroup, ctx: AddonContext) => readonly AutoscaledGroup[];
  };
  /** Why the cloud offers no cluster-autoscaler, for the refusal of spec.clusterAutoscaler.enabled. */
  readonly noAutoscaler?: string;
}

/** One `--nodes=min:max:name` of cluster-autoscaler. */
export interface AutoscaledGroup {
  readonly min: number;
  readonly max: number;
  readonly name: string;
}
