/**
 * Defaults: the completed spec that model builders and nodeup read.
 *
 * The user's spec is stored as written; completion happens on every read, so a default that
 * improves reaches every cluster that did not pin the value. completeSpec returns new objects,
 * never changes its inputs, and is idempotent. It never throws: a default that cannot be computed
 * from an invalid input (networkCIDR that is not a CIDR, no room left for a subnet) is left unset,
 * and validateSpecSet reports the cause.
 */

import { cidrOf, cidrsOverlap, formatCidr, subCidr } from './cidr.js';
import { carveSubnetCidrs } from './carve.js';
import {
  CLOUD_DEFAULTS,
  DEFAULT_ACCESS,
  DEFAULT_CHANNEL,
  DEFAULT_ETCD_VOLUME_SIZE,
  DEFAULT_NON_MASQUERADE_CIDR,
  DEFAULT_SIZES,
} from './cloud-defaults.js';
import { completeEgressProxy } from './egress-proxy.js';
import { DEFAULT_IPV6_ACCESS, DEFAULT_IPV6_SERVICE_RANGE, isIpv6Cluster, isPrivateSubnet } from './ipv6.js';
import { resolveClusterRollingUpdate, resolveGroupRollingUpdate } from './rolling.js';
import type { ResolvedRollingUpdate } from './rolling.js';
import { CLUSTER_LABEL } from './schema.js';
import type { Cluster, ClusterSpec, EtcdCluster, EtcdMember, InstanceGroup, InstanceGroupSpec, Subnet } from './schema.js';
import { regionOfZone, zoneSuffix } from './zones.js';

type WithRequired<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]-?: NonNullable<T[P]> };

/** An etcd member with its volume's size and type always set (from the cloud's defaults). */
export type CompletedEtcdMember = WithRequired<EtcdMember, 'volumeSize' | 'volumeType'>;
export type CompletedEtcdCluster = Omit<EtcdCluster, 'etcdMembers'> & { readonly etcdMembers: readonly CompletedEtcdMember[] };

export type CompletedClusterSpec = WithRequired<
  Omit<ClusterSpec, 'etcdClusters'>,
  'networkCIDR' | 'nonMasqueradeCIDR' | 'channel' | 'sshAccess' | 'kubernetesApiAccess' | 'nodePortAccess' | 'networking'
> & {
  readonly etcdClusters: readonly CompletedEtcdCluster[];
  readonly topology: Required<NonNullable<ClusterSpec['topology']>>;
  readonly api: WithRequired<NonNullable<ClusterSpec['api']>, 'publicName'>;
  readonly rollingUpdate: ResolvedRollingUpdate;
};

export type CompletedCluster = Omit<Cluster, 'spec'> & { readonly spec: CompletedClusterSpec };

export type CompletedInstanceGroupSpec = WithRequired<
  InstanceGroupSpec,
  'machineType' | 'image' | 'minSize' | 'maxSize' | 'zones' | 'rootVolumeSize' | 'rootVolumeType' | 'associatePublicIp'
> & { readonly rollingUpdate: ResolvedRollingUpdate };

export type CompletedInstanceGroup = Omit<InstanceGroup, 'spec'> & { readonly spec: CompletedInstanceGroupSpec };

/** Kubernetes' own NodePort range, the API server's when the spec does not set one. */
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/**
 * The NodePort range of the cluster. A function rather than a completed field: the completed
 * spec is stored (cluster-completed.spec), and an added kubeAPIServer block would change it.
 */
export function nodePortRange(spec: Pick<CompletedClusterSpec, 'kubeAPIServer'>): string {
  return spec.kubeAPIServer?.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE;
}

/** Kubernetes's (and kops's) cluster domain, when spec.clusterDNSDomain is unset. */
export const DEFAULT_CLUSTER_DNS_DOMAIN = 'cluster.local';

/**
 * The DNS domain of services and pods. A function rather than a completed field, like
 * nodePortRange: the completed spec is stored and hashed, and clusters that never set the domain
 * keep the same configuration.
 */
export function clusterDNSDomain(spec: Pick<ClusterSpec, 'clusterDNSDomain'>): string {
  return spec.clusterDNSDomain ?? DEFAULT_CLUSTER_DNS_DOMAIN;
}

/** The one container runtime hoist runs, as kops since Kubernetes dropped dockershim (1.24). */
export const CONTAINER_RUNTIME = 'containerd';

/**
 * The container runtime of the cluster's machines: spec.containerRuntime, which validation
 * holds to containerd. A function rather than a completed field, like clusterDNSDomain.
 */
export function containerRuntime(spec: Pick<ClusterSpec, 'containerRuntime'>): string {
  return spec.containerRuntime ?? CONTAINER_RUNTIME;
}

/**
 * The completed spec set. Fields that stay optional here (`region`, `serviceClusterIPRange`,
 * `podCIDR`, a subnet's `cidr`) are set in every spec set that validates.
 */
/**
 * An etcd cluster's backup settings with kops's defaults: every 15 minutes, one per hour kept
 * for a week and one per day for a year; `store` absent means the state store, under
 * `backups/etcd/<cluster>/<etcd-cluster>/`. Resolved where backups are taken or listed, so the
 * completed spec (and what is planned from it) stays as it was.
 */
export function etcdBackupSettings(e: Pick<EtcdCluster, 'backups'>): { readonly store?: string; readonly interval: string; readonly retention: { readonly hourly: string; readonly daily: string } } {
  const b = e.backups;
  return {
    ...(b?.store ? { store: b.store } : {}),
    interval: b?.interval ?? '15m',
    retention: { hourly: b?.retention?.hourly ?? '7d', daily: b?.retention?.daily ?? '365d' },
  };
}

/** A group's extra volume with its defaults: the cloud's volume type, encrypted, deleted with its machine. */
export type ResolvedVolume = WithRequired<NonNullable<InstanceGroupSpec['volumes']>[number], 'type' | 'encrypted' | 'deleteOnTermination'>;
export type ResolvedVolumeMount = WithRequired<NonNullable<InstanceGroupSpec['volumeMounts']>[number], 'filesystem' | 'formatOptions' | 'mountOptions'>;

/** The machine settings of a group (schema-group.ts) with their defaults. */
export interface GroupMachineSettings {
  readonly instanceMetadata: { readonly httpTokens: 'required' | 'optional'; readonly httpPutResponseHopLimit: number };
  readonly rootVolumeEncryption: boolean;
  /** What EC2 does with an interrupted spot instance: terminate, as EC2 and kops, unless the spec says. */
  readonly instanceInterruptionBehavior: NonNullable<InstanceGroupSpec['instanceInterruptionBehavior']>;
  readonly volumes: readonly ResolvedVolume[];
  readonly volumeMounts: readonly ResolvedVolumeMount[];
}

/**
 * A group's machine settings with kops's defaults: IMDSv2 only, one hop (three on the control
 * plane, whose pods ask for credentials through a container network), encrypted volumes.
 * Resolved where they are used, like etcdBackupSettings, so the completed spec (stored, and
 * hashed into every machine's configuration) is the same for groups that do not set them.
 */
export function groupMachineSettings(cloudProvider: ClusterSpec['cloudProvider'], spec: InstanceGroupSpec): GroupMachineSettings {
  const cloud = CLOUD_DEFAULTS[cloudProvider];
  return {
    instanceMetadata: {
      httpTokens: spec.instanceMetadata?.httpTokens ?? 'required',
      httpPutResponseHopLimit: spec.instanceMetadata?.httpPutResponseHopLimit ?? (spec.role === 'ControlPlane' ? 3 : 1),
    },
    rootVolumeEncryption: spec.rootVolumeEncryption ?? true,
    instanceInterruptionBehavior: spec.instanceInterruptionBehavior ?? 'terminate',
    volumes: (spec.volumes ?? []).map((v) => ({ ...v, type: v.type ?? cloud.rootVolumeType, encrypted: v.encrypted ?? true, deleteOnTermination: v.deleteOnTermination ?? true })),
    volumeMounts: (spec.volumeMounts ?? []).map((m) => ({ ...m, filesystem: m.filesystem ?? 'ext4', formatOptions: m.formatOptions ?? [], mountOptions: m.mountOptions ?? ['defaults'] })),
  };
}

/**
 * Whether cluster-autoscaler scales the group (a Node group), kops's `autoscale`: yes unless the
 * spec says false. Resolved where it is used, like the machine settings above.
 */
export function autoscaled(spec: Pick<InstanceGroupSpec, 'autoscale'>): boolean {
  return spec.autoscale ?? true;
}

/**
 * A VPC-routed pod network (the Amazon VPC CNI): pods get addresses of the network's subnets,
 * so, as kops allows, nonMasqueradeCIDR and podCIDR may overlap (or be) the network's range.
 */
export function podsFromNetwork(spec: Pick<ClusterSpec, 'networking'>): boolean {
  return spec.networking?.amazonvpc !== undefined;
}

export interface CompletedSpec {
  readonly cluster: CompletedCluster;
  readonly instanceGroups: CompletedInstanceGroup[];
}

export function completeSpec(cluster: Cluster, igs: readonly InstanceGroup[]): CompletedSpec {
  const spec = cluster.spec;
  const cloud = CLOUD_DEFAULTS[spec.cloudProvider];
  const networkCIDR = spec.networkCIDR ?? cloud.networkCIDR;
  const subnets = carveSubnetCidrs(networkCIDR, spec.subnets);
  const nonMasqueradeCIDR = spec.nonMasqueradeCIDR ?? DEFAULT_NON_MASQUERADE_CIDR;
  const nonMasq = cidrOf(nonMasqueradeCIDR);
  const derived = (from: string, extraBits: number, index: number) => {
    const base = cidrOf(from);
    const c = base && base.family === 4 ? subCidr(base, extraBits, index) : undefined;
    return c ? formatCidr(c) : undefined;
  };
  // Where pods take the network's own addresses, nonMasqueradeCIDR may be the network's range;
  // service addresses are never the network's, so they then come from kops's default range.
  const network = [networkCIDR, ...(spec.additionalNetworkCIDRs ?? [])].map(cidrOf);
  const servicesOutside = podsFromNetwork(spec) && nonMasq !== undefined && network.some((n) => n !== undefined && cidrsOverlap(n, nonMasq));
  // An IPv6 cluster's pods take prefixes of their nodes' interfaces: no pod range is derived.
  const ipv6 = isIpv6Cluster(spec);
  const serviceClusterIPRange = spec.serviceClusterIPRange ?? (ipv6 ? DEFAULT_IPV6_SERVICE_RANGE : derived(servicesOutside ? DEFAULT_NON_MASQUERADE_CIDR : nonMasqueradeCIDR, 3, 0));
  const podCIDR = spec.podCIDR ?? derived(nonMasqueradeCIDR, 1, 1);
  const access = ipv6 ? DEFAULT_IPV6_ACCESS : DEFAULT_ACCESS;
  const region = spec.region ?? regionOf(spec.cloudProvider, subnets);
  const topology = {
    controlPlane: spec.topology?.controlPlane ?? 'public',
    nodes: spec.topology?.nodes ?? 'public',
    dns: spec.topology?.dns ?? { type: 'Public' as const },
  };
  const api = spec.api ?? {};
  const completedSpec: CompletedClusterSpec = {
    ...spec,
    channel: spec.channel ?? DEFAULT_CHANNEL,
    ...(region === undefined ? {} : { region }),
    networkCIDR,
    nonMasqueradeCIDR,
    ...(serviceClusterIPRange === undefined ? {} : { serviceClusterIPRange }),
    ...(podCIDR === undefined ? {} : { podCIDR }),
    subnets,
    topology,
    etcdClusters: completeEtcd(cluster, igs, subnets),
    api: {
      ...(api.dns === undefined && api.loadBalancer === undefined
        ? cloud.apiLoadBalancerByDefault || topology.controlPlane === 'private' || topology.dns.type === 'None'
          ? { loadBalancer: { type: 'Public' as const } }
          : { dns: {} }
        : {}),
      ...api,
      publicName: api.publicName ?? `api.${cluster.metadata.name}`,
    },
    sshAccess: spec.sshAccess ?? [...access],
    kubernetesApiAccess: spec.kubernetesApiAccess ?? [...access],
    nodePortAccess: spec.nodePortAccess ?? [],
    networking: spec.networking && Object.keys(spec.networking).length > 0 ? spec.networking : { flannel: {} },
    rollingUpdate: resolveClusterRollingUpdate(spec.cloudProvider, spec.rollingUpdate),
    ...(spec.egressProxy === undefined
      ? {}
      : {
          egressProxy: completeEgressProxy(spec.egressProxy, {
            clusterName: cluster.metadata.name,
            clusterDNSDomain: clusterDNSDomain(spec),
            publicName: api.publicName ?? `api.${cluster.metadata.name}`,
            networkCIDR,
            ...(spec.additionalNetworkCIDRs ? { additionalNetworkCIDRs: spec.additionalNetworkCIDRs } : {}),
            nonMasqueradeCIDR,
            ...(serviceClusterIPRange === undefined ? {} : { serviceClusterIPRange }),
            ...(podCIDR === undefined ? {} : { podCIDR }),
          }),
        }),
  };
  return {
    cluster: { ...cluster, spec: completedSpec },
    instanceGroups: igs.map((ig) => completeInstanceGroup(cluster, ig, subnets)),
  };
}

function completeInstanceGroup(cluster: Cluster, ig: InstanceGroup, subnets: readonly Subnet[]): CompletedInstanceGroup {
  const spec = ig.spec;
  const cloud = CLOUD_DEFAULTS[cluster.spec.cloudProvider];
  const sizes = DEFAULT_SIZES[spec.role];
  const own = spec.subnets.flatMap((name) => subnets.filter((s) => s.name === name));
  const minSize = spec.minSize ?? (spec.maxSize === undefined ? sizes.min : Math.min(spec.maxSize, sizes.min));
  const maxSize = spec.maxSize ?? Math.max(minSize, sizes.max);
  const labels = ig.metadata.labels?.[CLUSTER_LABEL] === undefined
    ? { ...ig.metadata.labels, [CLUSTER_LABEL]: cluster.metadata.name }
    : ig.metadata.labels;
  return {
    ...ig,
    metadata: { ...ig.metadata, ...(labels ? { labels } : {}) },
    spec: {
      ...spec,
      machineType: spec.machineType ?? cloud.machineType[spec.role],
      image: spec.image ?? cloud.image,
      minSize,
      maxSize,
      zones: spec.zones ?? unique(own.flatMap((s) => (s.zone === undefined ? [] : [s.zone]))),
      rootVolumeSize: spec.rootVolumeSize ?? sizes.rootVolumeSize,
      rootVolumeType: spec.rootVolumeType ?? cloud.rootVolumeType,
      associatePublicIp: spec.associatePublicIp ?? (own.length > 0 && own.every((s) => !isPrivateSubnet(s))),
      rollingUpdate: resolveGroupRollingUpdate(cluster.spec.cloudProvider, spec.role, spec.rollingUpdate, cluster.spec.rollingUpdate),
    },
  };
}

/**
 * `main` and `events`, one member per control-plane group, named by the group's zone letter
 * (`a` for us-east-1a; `a-2` for a second group in that zone), as kops names them.
 */
function completeEtcd(cluster: Cluster, igs: readonly InstanceGroup[], subnets: readonly Subnet[]): CompletedEtcdCluster[] {
  const cloud = CLOUD_DEFAULTS[cluster.spec.cloudProvider];
  const withVolumes = (clusters: readonly EtcdCluster[]): CompletedEtcdCluster[] =>
    clusters.map((c) => ({
      ...c,
      ...(c.version === undefined && cloud.etcdVersion !== undefined ? { version: cloud.etcdVersion } : {}),
      etcdMembers: c.etcdMembers.map((m) => ({
        ...m,
        volumeSize: m.volumeSize ?? DEFAULT_ETCD_VOLUME_SIZE,
        volumeType: m.volumeType ?? cloud.etcdVolumeType,
      })),
    }));
  if (cluster.spec.etcdClusters !== undefined) return withVolumes(cluster.spec.etcdClusters);
  const taken = new Set<string>();
  const members = igs
    .filter((ig) => ig.spec.role === 'ControlPlane')
    .map((ig) => {
      const zone = ig.spec.zones?.[0] ?? subnets.find((s) => s.name === ig.spec.subnets[0])?.zone;
      const base = (zone === undefined ? undefined : zoneSuffix(cluster.spec.cloudProvider, zone)) ?? ig.metadata.name;
      let name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
      taken.add(name);
      return { name, instanceGroup: ig.metadata.name };
    });
  return withVolumes(['main', 'events'].map((name) => ({ name, etcdMembers: members })));
}

function regionOf(cloud: Cluster['spec']['cloudProvider'], subnets: readonly Subnet[]): string | undefined {
  for (const s of subnets) {
    const region = s.zone === undefined ? s.region : regionOfZone(cloud, s.zone);
    if (region !== undefined) return region;
  }
  return undefined;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
