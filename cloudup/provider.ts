/**
 * The provider contract: everything hoist needs from one cloud, in one object. The pipeline
 * (cloudup/pipeline/) and the commands talk to a cloud only through it, and never ask which
 * cloud it is; `cloudup/providers.ts` is the one place that names the clouds.
 *
 * A provider answers what needs no connection (validation, where node assets come from, the
 * API endpoint, the Terraform renderers); `open` makes a session, which holds the cloud's
 * clients and is closed on every path (`await using`, or `close()` in a `finally`).
 */

import type { CloudProvider as CloudName, CompletedSpec } from '../src/api/index.js';
import type { FieldProblem } from '../src/errors.js';
import type { Task, TaskId, TaskKind } from '../src/engine/task.js';
import type { EventSink } from '../src/output/events.js';
import type { Clientset } from '../state-store/clientset.js';
import type { CloudAccount } from './addons/types.js';
import type { BootProxy } from './boot/script.js';
import type { ObjectStore } from '../state-store/object-store.js';
import type { RollingCloud } from './rolling/types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A file the boot script downloads and runs only once its sha256 is the pinned one. */
export interface PinnedDownload {
  readonly url: string;
  /** Lower-case hex. */
  readonly sha256: string;
}

/** What the machines of a cluster boot with (the boot script's per-cluster inputs: cloudup/boot/). */
export interface BootOptions {
  /** The state store URL the machines read their configuration from. */
  readonly stateStore: string;
  /** The hash of each instance group's node configuration. */
  readonly configHash: (ig: string) => string;
  /**
   * The nodeup bundle (dist/nodeup.mjs of this hoist build) as `update cluster --yes` publishes
   * it: its state-store URL (`<store>/<cluster>/nodeup/<sha256>/nodeup.mjs`) and sha256.
   */
  readonly nodeup: PinnedDownload;
  /** The Node.js runtime archive the boot script installs (see `Provider.nodeRuntime`). */
  readonly node: PinnedDownload & { readonly version: string };
  /**
   * The cluster's trusted service-account public keys (PEM), where they were read: the
   * discovery documents of spec.serviceAccountIssuerDiscovery publish them. Absent before the
   * first apply has made the keyset.
   */
  readonly serviceAccountKeys?: readonly string[];
  /** spec.egressProxy, which the boot script uses for its downloads and gives to nodeup. */
  readonly proxy?: BootProxy;
}

/** One machine of the cluster as its cloud sees it (`get instances` joins it with the node's status). */
export interface CloudInstance {
  readonly id: string;
  readonly instanceGroup: string;
  readonly role: string;
  /** The cloud's own state, e.g. pending, running, stopping, terminated. */
  readonly state: string;
  readonly address?: string;
  readonly launchedAt: string;
  /** The template version it was launched from, and the group's latest one. */
  readonly templateVersion?: number;
  readonly latestTemplateVersion?: number;
}

/**
 * Why a session is opened, fixed for its life. Discovery depends on it: a teardown also finds
 * what hoist never creates but a cluster leaves behind (instances, detached network
 * interfaces, objects Kubernetes made), so that they are deleted too; a reconcile leaves those
 * to their owners. `inspect` reads the cluster (instances, rolling updates, validation) and
 * sees everything the cluster has, as a teardown does.
 */
export type SessionPurpose = 'reconcile' | 'teardown' | 'inspect';

export interface OpenOptions {
  readonly purpose: SessionPurpose;
  readonly env: Env;
  readonly events: EventSink;
  /**
   * The command changes nothing: a cloud that would have to be started first (the local
   * cloud's daemon) is not started, and the command says it is not running.
   */
  readonly readOnly?: boolean;
  /** The state store's URL, for a cloud that grants its machines access to it (GCE's bucket IAM). */
  readonly stateStore?: string;
  /**
   * The cloud account the plan's addons read (CloudAddons.account), when they did: a session
   * that needs it too (GCE's project number) takes it from here instead of asking again.
   */
  readonly account?: CloudAccount;
}

export interface CloudSession<Ctx = unknown> extends AsyncDisposable {
  readonly cloud: CloudName;
  readonly purpose: SessionPurpose;
  readonly kinds: ReadonlyMap<string, TaskKind<Ctx>>;
  readonly ctx: Ctx;
  /** The tasks that reach the spec the session was opened for. */
  buildTasks(boot: BootOptions): Task[];
  /** Cloud API calls made so far in this session. */
  apiCalls(): number;
  /** Transient errors (throttling, 5xx, connection resets) that the executor retries. */
  isRetryable(e: unknown): boolean;
  /** Every instance the cluster owns, including ones stopping or recently terminated. */
  listInstances(): Promise<CloudInstance[]>;
  /** The cloud side of rolling updates and `validate cluster`. */
  rolling(store: ObjectStore): Promise<RollingCloud>;
  /**
   * The API's load balancer, which machines and kubeconfigs name by its own name when the
   * cluster has no DNS records (`topology.dns.type: None`), or always (`always`).
   */
  readonly apiEndpoint?: ApiEndpoint;
  /** Releases the clients (sockets, agents); a closed session is not used again. */
  close(): Promise<void>;
}

export interface ApiEndpoint {
  /** The task that makes the load balancer: created before anything that names it. */
  readonly task: TaskId;
  /** `https://<its DNS name or address>[:port]`, from the live state; undefined until it exists. */
  url(): Promise<string | undefined>;
  /**
   * Machines name the load balancer so whatever spec.topology.dns says: nothing the machines
   * run resolves the API's DNS names (the local cloud's records live only in its own table).
   */
  readonly always?: boolean;
}

export interface ApiEndpointOptions {
  /** The name only the cluster's own network resolves (`api.internal.<cluster>`). */
  readonly internal?: boolean;
  readonly env: Env;
  readonly events?: EventSink;
}

/** What a Terraform module of a cluster is made from. */
export interface TerraformInput {
  readonly spec: CompletedSpec;
  readonly tasks: readonly Task[];
  readonly stateStore: string;
  /** Each group's nodeup.yaml. */
  readonly nodeConfigs: ReadonlyMap<string, string>;
  readonly completedSpec: string;
}

export interface TerraformModule {
  /** Path in the module folder → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly resources: number;
  /** Whether the module writes the nodes' state-store objects itself. */
  readonly storeObjects: boolean;
}

/** A cloud whose clusters can be written as a Terraform module (`update cluster --target terraform`). */
export interface TerraformRenderers {
  /**
   * What the cloud fills in of the spec before the module is built, by asking it (AWS: the DNS
   * zone of a spec that names none); the spec in the state store stays as it is. Absent: none.
   */
  prepare?(spec: CompletedSpec, options: { readonly env: Env; readonly events: EventSink }): Promise<CompletedSpec>;
  /** The cluster's tasks from the spec alone: no discovery, no session. */
  buildTasks(spec: CompletedSpec, boot: BootOptions): Task[];
  render(input: TerraformInput): TerraformModule;
}

/** What `create cluster` tells a cloud that picks a new cluster's network range itself. */
export interface NetworkRangeRequest {
  readonly cluster: string;
  /** `--network-cidr`, when given. */
  readonly requested?: string;
  /** A dry run holds nothing. */
  readonly dryRun: boolean;
  readonly env: Env;
  readonly cwd: string;
  readonly events: EventSink;
  /** The state store the cluster is created in, opened only when needed. */
  readonly clientset: () => Promise<Clientset>;
}

/** A new cluster's network range, held for it until `release()` (a failed create releases it). */
export interface NetworkRange {
  readonly cidr: string;
  release(): void;
}

export interface Provider {
  readonly name: CloudName;
  /**
   * Every problem of a spec set on this cloud, each with its field path, value and fix: the
   * API's rules with the cloud's own spec rules (`cloudup/<cloud>/spec-rules.ts`, the same
   * object the registry gives the spec commands, which do not load the provider).
   */
  validate(spec: CompletedSpec): readonly FieldProblem[];
  /**
   * The network range of a new cluster, on a cloud whose clusters share one address space (the
   * local cloud's loopback): the requested range when it is free, else a free one; undefined
   * leaves the range to the spec. Absent on a cloud whose networks are apart.
   */
  reserveNetworkRange?(request: NetworkRangeRequest): Promise<NetworkRange | undefined>;
  open(spec: CompletedSpec, options: OpenOptions): Promise<CloudSession>;
  /**
   * Where node assets come from when `spec.assets.fileRepository` does not say: undefined for
   * their upstream release locations, or a mirror's URL (the local cloud's stand-ins).
   */
  assetRepository(spec: CompletedSpec, env: Env): Promise<string | undefined>;
  /**
   * The Node.js runtime this cloud's machines install, when it is not the official linux-x64
   * archive (from `spec.assets.fileRepository` when set, else nodejs.org), which is what a
   * cloud without this method gets: the local cloud's instances use one made from the host's node.
   */
  nodeRuntime?(spec: CompletedSpec, env: Env): Promise<BootOptions['node']>;
  /** The API server URL a kubeconfig points at. */
  apiServerUrl(spec: CompletedSpec, options: ApiEndpointOptions): Promise<string>;
  /**
   * The one port clients and machines reach the API on, at its DNS names and at its load
   * balancer's own name: where the cloud's API load balancer listens (AWS's listener, GCE's
   * forwarding rule). Kubeconfigs and nodeup.yaml's `apiServer` take it from here. Absent on a
   * cloud that addresses the API itself (the local cloud): the API servers' own, 6443. A function
   * where the spec decides it (AWS: 8443 when the 443 listener ends TLS); read it with apiPortOf.
   */
  readonly apiPort?: number | ((spec: CompletedSpec) => number);
  /** Loads the Terraform renderers; absent on a cloud that has none. */
  terraform?(): Promise<TerraformRenderers>;
}

/** The provider's apiPort for a spec; undefined where the cloud has none. */
export function apiPortOf(provider: Pick<Provider, 'apiPort'>, spec: CompletedSpec): number | undefined {
  return typeof provider.apiPort === 'function' ? provider.apiPort(spec) : provider.apiPort;
}

/** The parts of a session every cloud makes the same way. */
export function sessionOf<Ctx>(session: Omit<CloudSession<Ctx>, typeof Symbol.asyncDispose>): CloudSession<Ctx> {
  return { ...session, [Symbol.asyncDispose]: () => session.close() };
}

