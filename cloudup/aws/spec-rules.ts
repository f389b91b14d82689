/**
 * The rules of AWS for its part of a spec, checked by every command that accepts a spec (so
 * `create`, `replace` and `edit` refuse what the builders could not build, not `update`): VPC
 * size, the way out of private subnets, images, prefix lists in access lists, tag limits, what
 * the identity webhooks need, and what the kops import of an AWS spec drops. No SDK: spec commands load this module.
 */

import { CLOUD_DEFAULTS, formatPath, instanceGroupPath, isPrivateSubnet, withDropped } from '../../src/api/index.js';
import type { CloudSpecRules, CompletedClusterSpec, CompletedSpec, KopsImport, Path } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { parseCidr } from '../../src/api/cidr.js';
import { gossipAsNoDns } from '../../src/api/api-dns.js';
import type { FieldProblem } from '../../src/errors.js';
import { dropUnsupportedGroupFields } from '../../src/api/validate-group-fields.js';
import { loadBalancerProblems } from './api-rules.js';
import { irsaAwsProblems } from './irsa-rules.js';
import { subnetRouteAwsProblems } from './route-rules.js';
import { webhookAwsProblems } from './webhook-rules.js';
import { AWS_GROUP_FIELDS, awsGroupProblems } from './group-rules.js';
import { AWS_TAG_RULES, awsNameProblems, awsNodeLabelProblems } from './tag-rules.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

/**
 * What EC2 launches: an AMI id, or an SSM parameter that names one (`ssm:<parameter>`, or EC2's
 * own `resolve:ssm:<parameter>`), resolved at each launch; or, as kops has it, an image by its
 * owner (an account id or alias) and name, looked up when a plan is made (cloudup/aws/images.ts).
 */
export const AWS_IMAGE = /^(ami-[0-9a-f]+|ssm:\S+|resolve:ssm:\S+|[^\s/]+\/\S+)$/;

const PREFIX_LIST = /^pl-[0-9a-f]{8,17}$/;

/** A transit gateway's id, as EC2 writes it (tgw-0123456789abcdef0). */
const TRANSIT_GATEWAY = /^tgw-[0-9a-z]+$/;

/**
 * The way out of the private subnets hoist makes on aws: a NAT gateway given by id (nat-…), a
 * transit gateway (tgw-…) as the zone's default route, as kops routes it, External (the user
 * routes it), or, unset, a NAT gateway of hoist's per zone.
 */
export function isAwsEgress(egress: string): boolean {
  return egress === 'External' || egress.startsWith('nat-') || TRANSIT_GATEWAY.test(egress);
}

export const awsSpecRules: CloudSpecRules = {
  cloud: 'aws',
  regionalSubnets: false,
  // A shared subnet's zone is the subnet's own, found in the cloud.
  sharedSubnetsNeedNoZone: true,
  ipv6: true,
  // kops's pod identity webhook and aws-iam-authenticator: AWS's IAM, images in AWS's registries.
  identityWebhooks: true,
  // aws-node-termination-handler (IMDS mode): EC2's instance metadata, run by the addons.
  nodeTerminationHandler: true,
  // subnets' additionalRoutes, in the private route tables hoist makes (route-rules.ts).
  subnetRoutes: true,
  // Auto Scaling warm pools and their lifecycle hook (model/warm-pools.ts).
  warmPool: true,
  accessListEntries: { accepts: (entry) => PREFIX_LIST.test(entry), described: 'an AWS prefix list (pl-...)' },
  tags: AWS_TAG_RULES,
  validate: (spec: CompletedSpec): FieldProblem[] => [
    ...awsNameProblems(spec.cluster.metadata.name),
    ...vpcProblems(spec.cluster.spec),
    ...egressProblems(spec.cluster.spec),
    ...subnetRouteAwsProblems(spec.cluster.spec),
    ...dnsOnlyApiProblems(spec.cluster.spec),
    ...loadBalancerProblems(spec.cluster.spec),
    ...irsaAwsProblems(spec.cluster.spec),
    ...webhookAwsProblems(spec.cluster.spec),
    ...awsGroupProblems(spec),
    ...spec.instanceGroups.flatMap((ig) => {
      const igAt = (...p: Path) => instanceGroupPath(ig.metadata.name, ['spec', ...p]);
      const image: FieldProblem[] = AWS_IMAGE.test(ig.spec.image)
        ? []
        : [{ path: igAt('image'), value: ig.spec.image, message: 'is not an image hoist can launch on aws', fix: `use an AMI id (ami-0123456789abcdef0), an SSM parameter that names one (${CLOUD_DEFAULTS.aws.image}), or an owner and name (099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*)` }];
      return [...image, ...awsNodeLabelProblems(Object.keys(ig.spec.nodeLabels ?? {}), (...p) => igAt('nodeLabels', ...p))];
    }),
  ],
  fromKops: {
    cluster: (doc) => apiDnsAsLoadBalancer(gossipAsNoDns(dropUnusableEgress(doc))),
    instanceGroup: (doc) => dropUnsupportedGroupFields(dropUnusableImage(doc), AWS_GROUP_FIELDS, 'aws'),
  },
  newCluster: { apiNamesNeedZone: true },
};

const DNS_ONLY_API = 'a DNS-only API needs a DNS controller to keep its records on the control-plane machines, which hoist does not run on aws: api.<cluster> would resolve to nothing';

/** hoist makes the API's Route 53 records only as aliases of its load balancer. */
function dnsOnlyApiProblems(spec: CompletedClusterSpec): FieldProblem[] {
  if (spec.api.dns === undefined || spec.api.loadBalancer !== undefined) return [];
  return [{ path: at('api', 'dns'), value: spec.api.dns, message: `is not supported: ${DNS_ONLY_API}`, fix: 'remove spec.api.dns and use spec.api.loadBalancer (e.g. {type: Public}), the default on aws' }];
}

/**
 * kops fills a DNS-only API's records with its dns-controller, which hoist does not run: the
 * import gives such a cluster a public load balancer instead, reported.
 */
function apiDnsAsLoadBalancer(doc: KopsImport<Cluster>): KopsImport<Cluster> {
  const api = doc.object.spec.api;
  if (api?.dns === undefined || api.loadBalancer !== undefined) return doc;
  const { dns, ...rest } = api;
  const reason = `${DNS_ONLY_API}; the cluster gets a public load balancer (spec.api.loadBalancer.type Public) instead`;
  return withDropped(doc, { ...doc.object, spec: { ...doc.object.spec, api: { ...rest, loadBalancer: { type: 'Public' } } } }, [{ path: 'spec.api.dns', value: dns, reason }]);
}

function vpcProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const network = parseCidr(spec.networkCIDR);
  // A range that is not an IPv4 CIDR is the API's problem, reported there.
  if (!network.ok || network.cidr.family !== 4 || network.cidr.prefix >= 16) return [];
  return [{ path: at('networkCIDR'), value: spec.networkCIDR, message: 'is larger than an AWS VPC may be (/16 to /28)', fix: 'use a /16 or smaller range' }];
}

/**
 * A private subnet hoist makes needs a way out: an egress, or a NAT gateway of hoist's, which
 * sits in a Utility or Public subnet and needs the internet gateway of a subnet hoist manages.
 * A zone has one way out, so its private subnets give one egress, or none (as kops refuses
 * mixed values); the first egress given in a zone is the zone's.
 */
function egressProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [...mixedEgressProblems(spec)];
  const own = spec.subnets.filter((s) => s.id === undefined);
  const managedPublic = own.some((s) => !isPrivateSubnet(s));
  const hasUtility = spec.subnets.some((s) => s.type === 'Utility');
  spec.subnets.forEach((s, i) => {
    if (!isPrivateSubnet(s)) {
      // As kops: only a private subnet's traffic leaves through a NAT or transit gateway.
      if (s.egress !== undefined && s.egress !== 'External') {
        problems.push({ path: at('subnets', i, 'egress'), value: s.egress, message: `can only be set on a Private subnet (this one is ${s.type}), as in kops: a ${s.type} subnet's way out is the internet gateway`, fix: 'move it to the Private subnets of the zone, or remove it' });
      }
      return;
    }
    if (s.egress === undefined && !hasUtility) {
      problems.push({ path: at('subnets', i, 'type'), value: s.type, message: 'a private subnet needs a way out: no Utility subnet for a NAT gateway and no egress', fix: 'add a Utility subnet in its zone, or set egress' });
    }
    if (s.id !== undefined) return;
    if (s.egress !== undefined && !isAwsEgress(s.egress)) {
      problems.push({ path: at('subnets', i, 'egress'), value: s.egress, message: 'is not an egress hoist supports on aws', fix: 'use a NAT gateway id (nat-…), a transit gateway id (tgw-…), External, or leave it unset for a NAT gateway of hoist' });
      return;
    }
    const zoneEgress = own.find((o) => isPrivateSubnet(o) && o.zone === s.zone && o.egress !== undefined)?.egress;
    if (zoneEgress === undefined && hasUtility && !managedPublic) {
      problems.push({
        path: at('subnets', i),
        value: s.name,
        message: 'is private, but the cluster has no Utility or Public subnet hoist manages to put its NAT gateway in',
        fix: 'add a Utility subnet (without id) in its zone, or set egress to an existing NAT gateway (nat-…), a transit gateway (tgw-…) or External',
      });
    }
  });
  return problems;
}

/** In a zone with a private subnet hoist makes, every private subnet's egress is the first one's. */
function mixedEgressProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const firstInZone = new Map<string, number>();
  const problems: FieldProblem[] = [];
  const managedZones = new Set(spec.subnets.filter((s) => isPrivateSubnet(s) && s.id === undefined).map((s) => s.zone));
  spec.subnets.forEach((s, i) => {
    if (!isPrivateSubnet(s) || s.zone === undefined || !managedZones.has(s.zone)) return;
    const first = firstInZone.get(s.zone);
    if (first === undefined) {
      firstInZone.set(s.zone, i);
      return;
    }
    const zoneEgress = spec.subnets[first]!.egress;
    if (s.egress === zoneEgress) return;
    const said = (egress: string | undefined) => (egress === undefined ? 'none (a NAT gateway of hoist\'s)' : egress);
    problems.push({
      path: at('subnets', i, 'egress'),
      value: s.egress,
      message: `differs from the egress of spec.subnets[${first}] in the same zone ${s.zone}, which is ${said(zoneEgress)}: a zone's private subnets share one route table and so one way out (kops refuses mixed egress values too)`,
      fix: zoneEgress === undefined ? 'remove it, or give every private subnet of the zone the same egress' : `set it to ${zoneEgress}, or give every private subnet of the zone the same egress`,
    });
  });
  return problems;
}

/**
 * kops also routes private subnets through a NAT instance (i-…) or a NAT gateway it makes with
 * an existing Elastic IP (eipalloc-…); hoist does neither. The import of an AWS spec drops such
 * an egress, reported, rather than failing: the zone gets a NAT gateway of hoist's.
 */
function dropUnusableEgress(doc: KopsImport<Cluster>): KopsImport<Cluster> {
  const dropped: { path: string; value: unknown; reason: string }[] = [];
  const subnets = doc.object.spec.subnets.map((s, i) => {
    if (!isPrivateSubnet(s) || s.id !== undefined || s.egress === undefined || isAwsEgress(s.egress)) return s;
    dropped.push({ path: formatPath(['spec', 'subnets', i, 'egress']), value: s.egress, reason: 'hoist routes a private subnet on aws through a NAT gateway (nat-…, or one of its own) or a transit gateway (tgw-…), or leaves it to you (External)' });
    const { egress: _egress, ...rest } = s;
    return rest;
  });
  return withDropped(doc, { ...doc.object, spec: { ...doc.object.spec, subnets } }, dropped);
}

/**
 * An image that is neither an AMI id, an SSM parameter nor an owner and name (owner/name, looked
 * up as kops does) cannot be launched: the import drops it, reported, and the group gets hoist's
 * default image.
 */
function dropUnusableImage(doc: KopsImport<InstanceGroup>): KopsImport<InstanceGroup> {
  const image = doc.object.spec.image;
  if (image === undefined || AWS_IMAGE.test(image)) return doc;
  const { image: _image, ...spec } = doc.object.spec;
  const reason = 'hoist on aws launches an AMI id (ami-…), an SSM parameter (ssm:…) or an image by owner and name (owner/name); the group gets the default image unless spec.image names one';
  return withDropped(doc, { ...doc.object, spec }, [{ path: 'spec.image', value: image, reason }]);
}
