/**
 * The spec of a new cluster, from `hoist create cluster NAME` and its kops-style flags.
 *
 * Like kops: one subnet per zone (plus a utility subnet per zone for a private topology; one
 * subnet for the region on a cloud whose subnets are regional), one control-plane group per zone (`control-plane-<zone>`), one node
 * group per zone (`nodes-<zone>`) with the node count spread over them. What would change the
 * cluster if hoist's defaults changed later is written out: subnet CIDRs, etcd members, sizes and
 * machine types. The rest (images, rolling update, ranges) is left to the completed spec. What a
 * cloud does differently (default zones, its own flags) comes from its spec rules.
 */

import { ValidationError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import { parseCidr } from './cidr.js';
import { carveSubnetCidrs } from './carve.js';
import { CLOUD_DEFAULTS, DEFAULT_ACCESS } from './cloud-defaults.js';
import type { CloudSpecRules, SpecRulesByCloud } from './cloud-rules.js';
import { completeSpec } from './defaults.js';
import { clusterNameProblems } from './names.js';
import { API_VERSION, CLOUDS, CLUSTER_LABEL, TOPOLOGIES } from './schema.js';
import type { CloudProvider, Cluster, InstanceGroup, Subnet, Topology } from './schema.js';
import { validateSpecSet } from './validation.js';
import { DEFAULT_KUBERNETES_VERSION, kubernetesVersionProblems } from './versions.js';
import { ZONE_EXAMPLES, regionOfZone } from './zones.js';

export interface NewClusterOptions {
  readonly name: string;
  /** Default: local. */
  readonly cloud?: CloudProvider;
  /** Required unless the cloud has default zones (the local cloud: local-a). */
  readonly zones?: readonly string[];
  /** Default: the first controlPlaneCount zones. */
  readonly controlPlaneZones?: readonly string[];
  /** Default 1; must be odd (one etcd member per control-plane instance). */
  readonly controlPlaneCount?: number;
  readonly controlPlaneSize?: string;
  /** Default 2, spread over the zones. */
  readonly nodeCount?: number;
  readonly nodeSize?: string;
  /** Default: the newest supported release. */
  readonly kubernetesVersion?: string;
  readonly networkCIDR?: string;
  readonly networkID?: string;
  /** Default: public. */
  readonly topology?: Topology;
  readonly sshPublicKey?: string;
  /** The cloud's project, on a cloud that has them (gce). */
  readonly project?: string;
  readonly dnsZone?: string;
  /** topology.dns.type; given, it is written as is (Public or Private without a zone: found in the cloud at plan time). */
  readonly dnsType?: 'Public' | 'Private' | 'None';
  /** Existing subnets (kops's --subnets): one per zone of `zones`, in its order (one for the region where subnets are regional). */
  readonly subnetIDs?: readonly string[];
  /** Existing utility subnets of a private topology (kops's --utility-subnets): one per zone, in its order. */
  readonly utilitySubnetIDs?: readonly string[];
  /** A Bastion group, `bastions`, in the utility subnets (private topology only, as kops). */
  readonly bastion?: boolean;
}

export interface NewClusterSpec {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
}

/** The spec of a new cluster; `rules` are every cloud's spec rules (the registry's). */
export function newClusterSpec(opts: NewClusterOptions, rules: SpecRulesByCloud): NewClusterSpec {
  const cloud = opts.cloud ?? 'local';
  // The flag is checked below; an unknown cloud has no rules.
  const own: CloudSpecRules | undefined = (rules as Partial<Record<string, CloudSpecRules>>)[cloud];
  const zones = opts.zones && opts.zones.length > 0 ? [...opts.zones] : [...(own?.newCluster?.defaultZones ?? [])];
  const cpZones = opts.controlPlaneZones && opts.controlPlaneZones.length > 0 ? [...opts.controlPlaneZones] : zones;
  const topology = opts.topology ?? 'public';
  const cpCount = opts.controlPlaneCount ?? 1;
  const nodeCount = opts.nodeCount ?? 2;
  const problems = flagProblems(opts, cloud, zones, cpZones, cpCount, nodeCount, topology);
  if (own) problems.push(...sharedSubnetProblems(opts, zones, topology, own.regionalSubnets), ...(own.newCluster?.flagProblems?.(opts) ?? []));
  if (problems.length > 0 || !own) throw new ValidationError('the command line', problems, 'INVALID_FLAG');

  const region = regionOfZone(cloud, zones[0] ?? '') ?? '';
  const networkCIDR = opts.networkCIDR ?? CLOUD_DEFAULTS[cloud].networkCIDR;
  const subnetType: Subnet['type'] = topology === 'private' ? 'Private' : 'Public';
  const regional = own.regionalSubnets;
  const subnetFor = (zone: string) => (regional ? region : zone);
  const shared = (ids: readonly string[] | undefined, i: number) => (ids?.[i] === undefined ? {} : { id: ids[i] });
  const subnets: Subnet[] =
    regional
      ? [{ name: region, region, type: subnetType, ...shared(opts.subnetIDs, 0) }]
      : [
          ...zones.map((zone, i): Subnet => ({ name: zone, zone, type: subnetType, ...shared(opts.subnetIDs, i) })),
          ...(topology === 'private' ? zones.map((zone, i): Subnet => ({ name: `utility-${zone}`, zone, type: 'Utility', ...shared(opts.utilitySubnetIDs, i) })) : []),
        ];
  const name = opts.name;
  const group = (igName: string, role: 'ControlPlane' | 'Node', zone: string, size: number, machineType: string | undefined): InstanceGroup => ({
    apiVersion: API_VERSION,
    kind: 'InstanceGroup',
    metadata: { name: igName, labels: { [CLUSTER_LABEL]: name } },
    spec: {
      role,
      machineType: machineType ?? CLOUD_DEFAULTS[cloud].machineType[role],
      minSize: size,
      maxSize: size,
      subnets: [subnetFor(zone)],
      ...(regional ? { zones: [zone] } : {}),
    },
  });
  const perZone = cpCount > cpZones.length;
  const controlPlane = Array.from({ length: cpCount }, (_, i) => {
    const zone = cpZones[i % cpZones.length] ?? '';
    const suffix = perZone ? `-${1 + Math.floor(i / cpZones.length)}` : '';
    return group(`control-plane-${zone}${suffix}`, 'ControlPlane', zone, 1, opts.controlPlaneSize);
  });
  const nodes = zones
    .map((zone, i) => ({ zone, size: Math.floor(nodeCount / zones.length) + (i < nodeCount % zones.length ? 1 : 0) }))
    .filter(({ size }, i) => size > 0 || (nodeCount === 0 && i === 0))
    .map(({ zone, size }) => group(`nodes-${zone}`, 'Node', zone, size, opts.nodeSize));
  // kops's bastions sit in the utility subnets; where subnets are regional there are none, so in the private one, over every zone.
  const utility = subnets.filter((s) => s.type === 'Utility').map((s) => s.name);
  const bastions: InstanceGroup[] = opts.bastion
    ? [{
        apiVersion: API_VERSION,
        kind: 'InstanceGroup',
        metadata: { name: 'bastions', labels: { [CLUSTER_LABEL]: name } },
        spec: { role: 'Bastion', machineType: CLOUD_DEFAULTS[cloud].machineType.Bastion, minSize: 1, maxSize: 1, subnets: utility.length > 0 ? utility : [subnetFor(zones[0] ?? '')], ...(regional ? { zones: [...zones] } : {}) },
      }]
    : [];
  const instanceGroups = [...controlPlane, ...nodes, ...bastions];

  const draft: Cluster = {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name },
    spec: {
      cloudProvider: cloud,
      kubernetesVersion: opts.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
      ...own.newCluster?.clusterFields?.(opts),
      networkCIDR,
      ...(opts.networkID === undefined ? {} : { networkID: opts.networkID }),
      // An existing subnet's range is the cloud's: only hoist's own get one carved.
      subnets: carveSubnetCidrs(networkCIDR, subnets).map((s) => (s.id === undefined ? s : (({ cidr: _cidr, ...rest }) => rest)(s))),
      // Without a zone (and no --dns asking for one to be found) no DNS name of the API could resolve on such a cloud: its load balancer's own name is used.
      topology: { controlPlane: topology, nodes: topology, ...dnsOf(opts, own) },
      sshAccess: [...DEFAULT_ACCESS],
      kubernetesApiAccess: [...DEFAULT_ACCESS],
      ...(opts.dnsZone === undefined ? {} : { dnsZone: opts.dnsZone }),
      ...(opts.sshPublicKey === undefined ? {} : { sshPublicKey: opts.sshPublicKey }),
    },
  };
  // etcd member names can never change, so they are written, not left to defaults.
  const etcdClusters = completeSpec(draft, instanceGroups).cluster.spec.etcdClusters.map((c) => ({
    name: c.name,
    etcdMembers: c.etcdMembers.map((m) => ({ name: m.name, instanceGroup: m.instanceGroup })),
  }));
  const cluster: Cluster = { ...draft, spec: { ...draft.spec, etcdClusters } };
  const invalid = validateSpecSet(cluster, instanceGroups, own);
  if (invalid.length > 0) throw new ValidationError(`the new cluster ${name}`, invalid);
  return { cluster, instanceGroups };
}

function dnsOf(opts: NewClusterOptions, own: CloudSpecRules): { dns?: { type: 'Public' | 'Private' | 'None' } } {
  if (opts.dnsType !== undefined) return { dns: { type: opts.dnsType } };
  return opts.dnsZone === undefined && own.newCluster?.apiNamesNeedZone ? { dns: { type: 'None' } } : {};
}

function flagProblems(
  opts: NewClusterOptions,
  cloud: string,
  zones: readonly string[],
  cpZones: readonly string[],
  cpCount: number,
  nodeCount: number,
  topology: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [...clusterNameProblems(opts.name, '--name')];
  if (!(CLOUDS as readonly string[]).includes(cloud)) {
    return [...problems, { path: '--cloud', value: cloud, message: `is not a cloud hoist supports`, fix: `use one of: ${CLOUDS.join(', ')}` }];
  }
  const c = cloud as CloudProvider;
  if (zones.length === 0) problems.push({ path: '--zones', message: `is required on ${c}`, fix: `e.g. --zones ${ZONE_EXAMPLES[c]}` });
  const regions = new Set<string>();
  const explicitCp = opts.controlPlaneZones && opts.controlPlaneZones.length > 0 ? cpZones : [];
  for (const [flag, list] of [['--zones', zones], ['--control-plane-zones', explicitCp]] as const) {
    for (const zone of list) {
      const region = regionOfZone(c, zone);
      if (region === undefined) problems.push({ path: flag, value: zone, message: `is not a ${c} zone`, fix: `e.g. ${ZONE_EXAMPLES[c]}` });
      else regions.add(region);
    }
    if (new Set(list).size !== list.length) problems.push({ path: flag, value: list, message: 'lists a zone twice', fix: 'list each zone once' });
  }
  if (regions.size > 1) problems.push({ path: '--zones', value: zones, message: `spans regions ${[...regions].join(', ')}`, fix: 'use zones of one region' });
  const outside = cpZones.filter((z) => !zones.includes(z));
  if (outside.length > 0) problems.push({ path: '--control-plane-zones', value: outside, message: 'are not in --zones', fix: 'add them to --zones' });
  if (!Number.isInteger(cpCount) || cpCount < 1 || cpCount % 2 === 0) {
    problems.push({ path: '--control-plane-count', value: cpCount, message: 'must be an odd number: each control-plane instance runs an etcd member and etcd needs a quorum', fix: 'use 1, 3 or 5' });
  }
  if (!Number.isInteger(nodeCount) || nodeCount < 0) problems.push({ path: '--node-count', value: nodeCount, message: 'must be a whole number, 0 or more', fix: 'e.g. --node-count 2' });
  if (!(TOPOLOGIES as readonly string[]).includes(topology)) problems.push({ path: '--topology', value: topology, message: 'is not a topology', fix: 'use public or private' });
  if (opts.kubernetesVersion !== undefined) problems.push(...kubernetesVersionProblems(opts.kubernetesVersion, '--kubernetes-version'));
  if (opts.networkCIDR !== undefined) {
    const parsed = parseCidr(opts.networkCIDR);
    if (!parsed.ok || parsed.cidr.family !== 4) {
      const fix = !parsed.ok && parsed.suggestion ? `did you mean ${parsed.suggestion}?` : `e.g. ${CLOUD_DEFAULTS[c].networkCIDR}`;
      problems.push({ path: '--network-cidr', value: opts.networkCIDR, message: parsed.ok ? 'must be an IPv4 range' : parsed.message, fix });
    }
  }
  return problems;
}

/** kops's --subnets and --utility-subnets name existing subnets: here one per zone, in the order of --zones (one for the region where subnets are regional). */
function sharedSubnetProblems(opts: NewClusterOptions, zones: readonly string[], topology: string, regional: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (opts.bastion && topology !== 'private') problems.push({ path: '--bastion', value: true, message: 'needs a private topology: a bastion is the way in to machines that have no public address', fix: 'add --topology private, or leave out --bastion' });
  for (const [flag, ids] of [['--subnets', opts.subnetIDs], ['--utility-subnets', opts.utilitySubnetIDs]] as const) {
    if (ids === undefined || ids.length === 0) continue;
    const wanted = regional ? 1 : zones.length;
    if (flag === '--utility-subnets' && (topology !== 'private' || regional)) {
      const why = regional ? 'subnets on this cloud are regional: a private topology has no utility subnets' : 'are the utility subnets of a private topology';
      problems.push({ path: flag, value: ids, message: why, fix: regional ? 'leave out --utility-subnets' : 'add --topology private, or leave out --utility-subnets' });
    } else if (ids.length !== wanted) {
      const fix = regional ? 'give the one existing subnet of the region' : `give one existing subnet per zone of --zones, in the same order (${zones.join(', ')})`;
      problems.push({ path: flag, value: ids, message: `names ${ids.length} subnets for ${wanted} ${regional ? 'region' : 'zones'}`, fix });
    }
    if (opts.networkID === undefined && flag === '--subnets') problems.push({ path: flag, value: ids, message: 'are subnets of an existing network, which hoist does not look up from them', fix: 'add --network-id with the network (VPC) they are in' });
    if (new Set(ids).size !== ids.length) problems.push({ path: flag, value: ids, message: 'lists a subnet twice', fix: 'list each subnet once' });
  }
  return problems;
}
