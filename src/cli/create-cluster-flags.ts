/**
 * The kops `create cluster` flags that become fields of the new spec: the network plugin, images,
 * access lists, the API load balancer, cloud labels, public addresses and root volumes. Each is
 * checked here (the flag, the value, a fix) before anything is built, and laid over the spec
 * `newClusterSpec` makes, before `--set`/`--unset`, which win. What a cloud refuses of the result
 * (an image it cannot launch, a tag it does not allow) is its spec rules' to say, at the field.
 */

import { parseCidr } from '../api/cidr.js';
import { DEFAULT_IPV6_ACCESS } from '../api/ipv6.js';
import type { CloudSpecRules, NewClusterSpec } from '../api/index.js';
import { CERTIFICATE_ARN } from '../api/schema-lb-iam.js';
import type { ClusterSpec, InstanceGroup, InstanceGroupRole } from '../api/schema.js';
import type { FieldProblem } from '../errors.js';
import { ValidationError } from '../errors.js';

export interface KopsSpecFlags {
  readonly networking?: string;
  readonly image?: string;
  readonly nodeImage?: string;
  readonly controlPlaneImage?: string;
  readonly adminAccess?: readonly string[];
  readonly sshAccess?: readonly string[];
  readonly apiLoadbalancerType?: string;
  readonly apiSslCertificate?: string;
  readonly cloudLabels?: string;
  readonly associatePublicIp?: boolean | string;
  readonly controlPlaneVolumeSize?: number;
  readonly nodeVolumeSize?: number;
  readonly ipv6?: boolean;
  /** kops's --dns: public, private or none (topology.dns.type). */
  readonly dns?: string;
}

type Networking = NonNullable<ClusterSpec['networking']>;

/** kops's --networking values hoist installs, as the spec field each one sets. */
const NETWORKING: Readonly<Record<string, Networking>> = {
  kubenet: { kubenet: {} },
  cni: { cni: {} },
  flannel: { flannel: { backend: 'vxlan' } },
  'flannel-vxlan': { flannel: { backend: 'vxlan' } },
  calico: { calico: {} },
  cilium: { cilium: {} },
  amazonvpc: { amazonvpc: {} },
  'amazon-vpc-routed-eni': { amazonvpc: {} },
  kindnet: { kindnet: {} },
};

/** kops's --networking values hoist has no plugin for, with the reason. */
const NETWORKING_REFUSED: Readonly<Record<string, string>> = {
  external: 'kops deprecated it for cni; hoist has no external networking mode',
  'flannel-udp': 'hoist runs flannel with its vxlan backend only',
  canal: 'hoist does not install canal',
  'kube-router': 'hoist does not install kube-router',
  kopeio: 'hoist does not install kopeio networking',
  'kopeio-vxlan': 'hoist does not install kopeio networking',
  weave: 'hoist does not install weave (kops removed it too)',
  'cilium-etcd': 'hoist runs cilium on the Kubernetes API, without an etcd cluster of its own',
  'cilium-eni': 'hoist does not run cilium in ENI mode (use amazonvpc for VPC addresses)',
  gce: 'hoist does not install the GCE IP-alias networking (use cilium, calico or flannel)',
  gcp: 'hoist does not install the GCE IP-alias networking (use cilium, calico or flannel)',
  lyftvpc: 'hoist does not install lyftvpc (kops removed it too)',
};

const DNS_TYPES: Readonly<Record<string, 'Public' | 'Private' | 'None'>> = { public: 'Public', private: 'Private', none: 'None' };

export interface CheckedSpecFlags {
  readonly problems: FieldProblem[];
  readonly dnsType: 'Public' | 'Private' | 'None' | undefined;
  /** Lays the flags over a new cluster's spec; never changes its input. */
  readonly apply: (spec: NewClusterSpec) => NewClusterSpec;
}

/** Checks the flags; `rules` are the cluster's cloud's (what its access lists take besides CIDRs). */
export function checkSpecFlags(flags: KopsSpecFlags, rules: CloudSpecRules | undefined): CheckedSpecFlags {
  const problems: FieldProblem[] = [];
  // kops's --ipv6 picks cilium unless --networking names a plugin (validation refuses one without IPv6).
  const networking = networkingOf(flags.networking, problems) ?? (flags.ipv6 ? { cilium: {} } : undefined);
  const dnsType = flags.dns === undefined ? undefined : DNS_TYPES[flags.dns.trim().toLowerCase()];
  if (flags.dns !== undefined && dnsType === undefined) problems.push({ path: '--dns', value: flags.dns, message: 'is not a DNS type', fix: 'use public, private or none' });
  const adminAccess = accessList('--admin-access', flags.adminAccess, rules, problems);
  const sshAccess = accessList('--ssh-access', flags.sshAccess, rules, problems) ?? adminAccess;
  const lbType = flags.apiLoadbalancerType === undefined ? undefined : lbTypeOf(flags.apiLoadbalancerType, problems);
  if (flags.apiSslCertificate !== undefined && !CERTIFICATE_ARN.test(flags.apiSslCertificate)) {
    problems.push({ path: '--api-ssl-certificate', value: flags.apiSslCertificate, message: 'is not a certificate ARN', fix: 'e.g. arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-def012345678' });
  }
  const cloudLabels = flags.cloudLabels === undefined ? undefined : parseCloudLabels(flags.cloudLabels, problems);
  const associatePublicIp = flags.associatePublicIp === undefined ? undefined : booleanOf('--associate-public-ip', flags.associatePublicIp, problems);
  for (const [flag, size] of [['--control-plane-volume-size', flags.controlPlaneVolumeSize], ['--node-volume-size', flags.nodeVolumeSize]] as const) {
    if (size !== undefined && size < 1) problems.push({ path: flag, value: size, message: 'must be at least 1 (GiB)', fix: `e.g. ${flag} 64` });
  }
  for (const [flag, image] of [['--image', flags.image], ['--node-image', flags.nodeImage], ['--control-plane-image', flags.controlPlaneImage]] as const) {
    if (image !== undefined && image.trim() === '') problems.push({ path: flag, value: image, message: 'is empty', fix: 'name an image, or leave out the flag for the cloud\'s default' });
  }

  const clusterFields: Partial<ClusterSpec> = {
    ...(networking === undefined ? {} : { networking }),
    ...(adminAccess === undefined ? {} : { kubernetesApiAccess: adminAccess }),
    ...(sshAccess === undefined ? {} : { sshAccess }),
    // kops: either flag puts the API behind a load balancer, public unless asked otherwise.
    ...(lbType === undefined && flags.apiSslCertificate === undefined
      ? {}
      : { api: { loadBalancer: { type: lbType ?? 'Public', ...(flags.apiSslCertificate === undefined ? {} : { sslCertificate: flags.apiSslCertificate }) } } }),
    ...(cloudLabels === undefined ? {} : { cloudLabels }),
  };
  const groupFields = (role: InstanceGroupRole): Partial<InstanceGroup['spec']> => {
    const image = role === 'Node' ? (flags.nodeImage ?? flags.image) : role === 'ControlPlane' ? (flags.controlPlaneImage ?? flags.image) : flags.image;
    const size = role === 'Node' ? flags.nodeVolumeSize : role === 'ControlPlane' ? flags.controlPlaneVolumeSize : undefined;
    return {
      ...(image === undefined ? {} : { image }),
      ...(size === undefined ? {} : { rootVolumeSize: size }),
      ...(associatePublicIp === undefined ? {} : { associatePublicIp }),
    };
  };
  const apply = (spec: NewClusterSpec): NewClusterSpec => ({
    cluster: { ...spec.cluster, spec: { ...spec.cluster.spec, ...(flags.ipv6 ? ipv6Fields(spec.cluster.spec) : {}), ...clusterFields } },
    instanceGroups: spec.instanceGroups.map((ig) => ({ ...ig, spec: { ...ig.spec, ...groupFields(ig.spec.role) } })),
  });
  return { problems, dnsType, apply };
}

/**
 * What kops's --ipv6 sets: an IPv6 cluster (nonMasqueradeCIDR ::/0) whose subnets hoist makes
 * each take the Nth /64 of the VPC's IPv6 block, and access from anywhere over IPv6 as well.
 */
function ipv6Fields(spec: ClusterSpec): Partial<ClusterSpec> {
  return {
    nonMasqueradeCIDR: '::/0',
    subnets: spec.subnets.map((s, i) => (s.id === undefined ? { ...s, ipv6CIDR: `/64#${i.toString(16)}` } : s)),
    sshAccess: [...DEFAULT_IPV6_ACCESS],
    kubernetesApiAccess: [...DEFAULT_IPV6_ACCESS],
  };
}

/** Throws the flags' problems as one error: INVALID_FLAG, each with the flag, the value and a fix. */
export function throwFlagProblems(problems: readonly FieldProblem[]): void {
  if (problems.length > 0) throw new ValidationError('the command line', problems, 'INVALID_FLAG');
}

function networkingOf(value: string | undefined, problems: FieldProblem[]): Networking | undefined {
  if (value === undefined) return undefined;
  const name = value.trim().toLowerCase();
  const known = NETWORKING[name];
  if (known) return known;
  const fix = `use one of: ${Object.keys(NETWORKING).join(', ')}`;
  const refused = NETWORKING_REFUSED[name];
  problems.push({ path: '--networking', value, message: refused === undefined ? 'is not a networking mode' : `is not supported: ${refused}`, fix });
  return undefined;
}

function accessList(flag: string, list: readonly string[] | undefined, rules: CloudSpecRules | undefined, problems: FieldProblem[]): string[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  for (const entry of list) {
    const parsed = parseCidr(entry);
    if (parsed.ok || rules?.accessListEntries?.accepts(entry)) continue;
    const also = rules?.accessListEntries ? ` or ${rules.accessListEntries.described}` : '';
    const fix = !parsed.ok && parsed.suggestion ? `did you mean ${parsed.suggestion}?` : `a CIDR such as 203.0.113.0/24${also}`;
    problems.push({ path: flag, value: entry, message: parsed.message, fix });
  }
  return [...list];
}

function lbTypeOf(value: string, problems: FieldProblem[]): 'Public' | 'Internal' | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'public') return 'Public';
  if (v === 'internal') return 'Internal';
  problems.push({ path: '--api-loadbalancer-type', value, message: 'is not a load balancer type', fix: 'use public or internal' });
  return undefined;
}

function booleanOf(flag: string, value: boolean | string, problems: FieldProblem[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'false') return v === 'true';
  problems.push({ path: flag, value, message: 'is not true or false', fix: `use ${flag}=true or ${flag}=false` });
  return undefined;
}

/**
 * kops's --cloud-labels: `k=v,k2=v2`; a value may be quoted (`"a=b"`), and the first `=` splits a
 * pair, so a value may hold more. No pair may hold a comma, as in kops.
 */
export function parseCloudLabels(text: string, problems: FieldProblem[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  const before = problems.length;
  for (const raw of text.split(',')) {
    const pair = raw.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = unquote(eq < 0 ? pair : pair.slice(0, eq).trim());
    if (eq < 0 || key === '') {
      problems.push({ path: '--cloud-labels', value: pair, message: 'is not a key=value pair', fix: 'e.g. --cloud-labels "Owner=John Doe,Team=Some Team"' });
      continue;
    }
    if (key in labels) problems.push({ path: '--cloud-labels', value: key, message: 'is given twice', fix: 'give each key once' });
    labels[key] = unquote(pair.slice(eq + 1).trim());
  }
  return problems.length > before ? undefined : labels;
}

const unquote = (s: string): string => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);
