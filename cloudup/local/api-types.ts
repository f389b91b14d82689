/**
 * The local cloud's REST API: resource shapes shared by the daemon (server) and its client.
 *
 * The API is a small IaaS in the style of the big ones: JSON over HTTP on 127.0.0.1,
 * `/v1/<type>` collections, server-assigned ids with a type prefix (`net-…`, `i-…`), tags on
 * every resource, tag filters on listings, paging with `pageToken`, and errors as
 * `{ error: { code, message } }` with codes `NotFound` (404), `AlreadyExists` (409),
 * `DependencyViolation` (409: still in use), `InvalidParameter` (400), `Conflict` (409).
 */

export const RESOURCE_TYPES = [
  'networks',
  'subnets',
  'firewallRules',
  'instanceTemplates',
  'instanceGroups',
  'instances',
  'loadBalancers',
  'dnsRecords',
  'volumes',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export type Tags = Readonly<Record<string, string>>;

/** Fields every resource has. `name` is unique per type (creating a second one is AlreadyExists). */
export interface ResourceBase {
  readonly id: string;
  readonly name: string;
  readonly tags: Tags;
  readonly createdAt: string;
}

export interface Network extends ResourceBase {
  /** Must lie inside 127.0.0.0/8 and not overlap another network. */
  readonly cidr: string;
}

export interface Subnet extends ResourceBase {
  readonly networkId: string;
  /** Inside its network's CIDR; subnets of a network do not overlap. */
  readonly cidr: string;
  readonly zone: string;
}

export interface FirewallRule extends ResourceBase {
  readonly networkId: string;
  readonly direction: 'ingress' | 'egress';
  readonly protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  /** e.g. `6443`, `30000-32767`; empty for all ports. */
  readonly ports: readonly string[];
  readonly sourceCidrs: readonly string[];
  /** Tags of the sources, e.g. `hoist.dev/role=node`; a rule applies to sources matching any. */
  readonly sourceTags: readonly string[];
  /** The rule applies to instances carrying any of these tags (`key=value`). */
  readonly targetTags: readonly string[];
}

export interface TemplateVersion {
  readonly version: number;
  readonly machineType: string;
  readonly image: string;
  /** What the instance receives as its boot configuration (text, typically YAML). */
  readonly userData: string;
  /** Tags every instance launched from this version carries. */
  readonly instanceTags: Tags;
  readonly createdAt: string;
}

/** Like an AWS launch template: versions are immutable; a change is a new version. */
export interface InstanceTemplate extends ResourceBase {
  readonly versions: readonly TemplateVersion[];
  readonly latestVersion: number;
}

export type InstanceState = 'pending' | 'running' | 'stopping' | 'terminated';

export interface Instance extends ResourceBase {
  /** Empty once detached from its group. */
  readonly groupId: string;
  readonly templateId: string;
  readonly templateVersion: number;
  readonly subnetId: string;
  readonly zone: string;
  readonly machineType: string;
  /** A loopback address of the subnet, e.g. 127.20.32.7: the instance's processes bind to it. */
  readonly address: string;
  /** The instance's own root folder (its "disk"). */
  readonly rootDir: string;
  readonly state: InstanceState;
  /** Process id of the instance's agent while it runs. */
  readonly pid?: number;
  /** Set by the group's health check: the agent's health endpoint answered. */
  readonly healthy: boolean;
  readonly launchedAt: string;
  /** The last phase the instance's agent reported (see AgentStatusMessage). */
  readonly agentPhase?: string;
  /** The agent's last message, e.g. why it is not ready. */
  readonly agentMessage?: string;
  /** When the instance reached `terminated`; terminated instances are listed for a while, then purged. */
  readonly terminatedAt?: string;
}

/** Keeps `desiredCapacity` instances of a template version running across its subnets. */
export interface InstanceGroup extends ResourceBase {
  readonly templateId: string;
  /** A version number, or 'latest' to follow the template's latest version for new instances. */
  readonly templateVersion: number | 'latest';
  readonly subnetIds: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  /** Load balancers whose targets are this group's healthy instances. */
  readonly loadBalancerIds: readonly string[];
  /** Ids of the group's current (not terminated, not detached) instances. */
  readonly instanceIds: readonly string[];
}

export interface Listener {
  readonly port: number;
  readonly targetPort: number;
}

/** A real TCP proxy on `address`, forwarding each listener to healthy targets. */
export interface LoadBalancer extends ResourceBase {
  readonly networkId: string;
  readonly subnetIds: readonly string[];
  readonly listeners: readonly Listener[];
  /** Assigned by the cloud from the first subnet, e.g. 127.20.32.2. */
  readonly address: string;
  readonly healthCheck: { readonly port: number; readonly path?: string };
  /** Instances currently receiving traffic. */
  readonly healthyTargets: readonly string[];
}

export interface DnsRecord extends ResourceBase {
  /** Fully qualified record name; `name` is the same. */
  readonly type: 'A' | 'CNAME' | 'TXT';
  readonly ttl: number;
  readonly values: readonly string[];
}

/** A folder that an instance can mount (etcd data). */
export interface Volume extends ResourceBase {
  readonly zone: string;
  readonly sizeGb: number;
  readonly volumeType: string;
  readonly path: string;
  readonly attachedTo?: string;
}

export interface ResourceOf {
  networks: Network;
  subnets: Subnet;
  firewallRules: FirewallRule;
  instanceTemplates: InstanceTemplate;
  instanceGroups: InstanceGroup;
  instances: Instance;
  loadBalancers: LoadBalancer;
  dnsRecords: DnsRecord;
  volumes: Volume;
}

/** Server-assigned fields are left out of create bodies. */
type ServerFields = 'id' | 'createdAt';
export interface CreateBodies {
  networks: Omit<Network, ServerFields>;
  subnets: Omit<Subnet, ServerFields>;
  firewallRules: Omit<FirewallRule, ServerFields>;
  instanceTemplates: Omit<InstanceTemplate, ServerFields | 'versions' | 'latestVersion'> & {
    readonly version: Omit<TemplateVersion, 'version' | 'createdAt'>;
  };
  instanceGroups: Omit<InstanceGroup, ServerFields | 'instanceIds'>;
  instances: never;
  loadBalancers: Omit<LoadBalancer, ServerFields | 'address' | 'healthyTargets'>;
  dnsRecords: Omit<DnsRecord, ServerFields>;
  volumes: Omit<Volume, ServerFields | 'path' | 'attachedTo'>;
}

/** What PATCH may change per type (everything else is immutable: change means replace). */
export interface UpdateBodies {
  networks: Pick<Network, 'tags'>;
  subnets: Pick<Subnet, 'tags'>;
  firewallRules: Pick<FirewallRule, 'tags' | 'ports' | 'sourceCidrs' | 'sourceTags' | 'targetTags'>;
  instanceTemplates: Pick<InstanceTemplate, 'tags'>;
  instanceGroups: Pick<InstanceGroup, 'tags' | 'templateVersion' | 'subnetIds' | 'minSize' | 'maxSize' | 'desiredCapacity' | 'loadBalancerIds'>;
  instances: Pick<Instance, 'tags'>;
  loadBalancers: Pick<LoadBalancer, 'tags' | 'listeners' | 'healthCheck'>;
  dnsRecords: Pick<DnsRecord, 'tags' | 'ttl' | 'values'>;
  volumes: Pick<Volume, 'tags' | 'sizeGb'>;
}

export interface ListResponse<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** The error codes of ApiErrorBody. */
/** The header every health endpoint of an instance answers with: the instance's id. */
export const INSTANCE_ID_HEADER = 'x-hoist-instance-id';

/** `AddressInUse`: another process (another local cloud?) holds the address; retrying cannot help. */
export const API_ERROR_CODES = ['NotFound', 'AlreadyExists', 'DependencyViolation', 'InvalidParameter', 'Conflict', 'AddressInUse'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Body of `POST /v1/instanceTemplates/<id>/versions`: the server numbers and dates the version. */
export type CreateTemplateVersionBody = Omit<TemplateVersion, 'version' | 'createdAt'>;

/**
 * Body of `POST /v1/instanceGroups/<id>/terminate` and `/detach`. With `decrement` the group's
 * desiredCapacity goes down by one (never below minSize); without it the group launches a
 * replacement. Both answer with the instance as it is then.
 */
export interface InstanceActionBody {
  readonly instanceId: string;
  readonly decrement: boolean;
}

/**
 * What an instance's agent sends the daemon over its IPC channel (Node's `process.send`).
 * `ready: true` makes the instance `running` and `healthy`; `ready: false` makes it unhealthy
 * (and it stays `pending` if it never was ready). `phase` and `message` are shown on the
 * instance as `agentPhase` and `agentMessage`, so a user can see why a machine is not ready.
 */
export interface AgentStatusMessage {
  readonly type: 'status';
  /** e.g. `booting`, `configuring`, `running`, `failed`. */
  readonly phase: string;
  readonly ready: boolean;
  readonly message?: string;
}

export interface DaemonStatus {
  readonly pid: number;
  readonly endpoint: string;
  readonly dir: string;
  readonly startedAt: string;
  readonly version: string;
  /** How long an instance stays `pending` (phase `booting`) before its process starts. */
  readonly bootTimeMs: number;
  readonly counts: Readonly<Record<ResourceType, number>>;
}
