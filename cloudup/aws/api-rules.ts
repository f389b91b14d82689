/**
 * AWS's rules of the API load balancer's options (spec.api.loadBalancer) that the schema's
 * shapes cannot say. No SDK: the spec commands load this module.
 */

import { formatPath } from '../../src/api/index.js';
import type { CompletedClusterSpec } from '../../src/api/index.js';
import { cidrContains, parseCidr } from '../../src/api/cidr.js';
import type { PathSegment } from '../../src/api/paths.js';
import type { FieldProblem } from '../../src/errors.js';

/** ELB's limit of security groups on a load balancer, one of which is hoist's own. */
const MAX_SECURITY_GROUPS = 5;

const at = (...path: PathSegment[]): string => formatPath(['spec', 'api', 'loadBalancer', ...path]);

/** The subnet types a load balancer of each scheme may sit in: a public one needs the internet gateway's route. */
const SUBNET_TYPES: Readonly<Record<'Public' | 'Internal', readonly string[]>> = {
  Public: ['Utility', 'Public'],
  Internal: ['Private', 'DualStack', 'Utility', 'Public'],
};

export function loadBalancerProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const lb = spec.api.loadBalancer;
  if (!lb) return [];
  const problems: FieldProblem[] = [];
  if (lb.sslPolicy !== undefined && lb.sslCertificate === undefined) {
    problems.push({ path: at('sslPolicy'), value: lb.sslPolicy, message: 'applies only to the TLS listener that sslCertificate makes', fix: 'set spec.api.loadBalancer.sslCertificate, or remove sslPolicy' });
  }
  // A load balancer takes certificates of its own region only (IAM's are global).
  const region = /^arn:[^:]+:acm:([^:]+):/.exec(lb.sslCertificate ?? '')?.[1];
  if (region !== undefined && spec.region !== undefined && region !== spec.region) {
    problems.push({ path: at('sslCertificate'), value: lb.sslCertificate, message: `is an ACM certificate of ${region}, not of the cluster's region ${spec.region}`, fix: `import or request the certificate in ${spec.region} and give its ARN` });
  }
  const groups = lb.additionalSecurityGroups ?? [];
  if (groups.length > MAX_SECURITY_GROUPS - 1) {
    problems.push({ path: at('additionalSecurityGroups'), value: groups, message: `lists ${groups.length} groups: a load balancer takes ${MAX_SECURITY_GROUPS}, one of which is hoist's own`, fix: `list at most ${MAX_SECURITY_GROUPS - 1}` });
  }
  const repeated = groups.filter((g, i) => groups.indexOf(g) !== i);
  if (repeated.length > 0) {
    problems.push({ path: at('additionalSecurityGroups'), value: groups, message: `lists ${repeated.join(', ')} more than once`, fix: 'list each group once' });
  }
  return [...problems, ...subnetProblems(spec)];
}

/**
 * kops's rules of `subnets` (each names a cluster subnet; privateIPv4Address only on an Internal
 * network load balancer and inside the subnet, allocationId only on a Public one), and ELB's:
 * one subnet per zone, of a type the scheme can use, an address not reserved by the VPC.
 */
function subnetProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const lb = spec.api.loadBalancer;
  const listed = lb?.subnets;
  if (!lb || !listed) return [];
  const problems: FieldProblem[] = [];
  const zones = new Map<string, number>();
  const network = lb.class === 'Classic' ? 'a Classic load balancer' : undefined;
  listed.forEach((entry, i) => {
    const subnet = spec.subnets.find((s) => s.name === entry.name);
    if (!subnet) {
      const names = spec.subnets.map((s) => s.name).join(', ');
      problems.push({ path: at('subnets', i, 'name'), value: entry.name, message: 'is not one of spec.subnets', fix: `name one of ${names}` });
    } else {
      if (!SUBNET_TYPES[lb.type].includes(subnet.type)) {
        problems.push({ path: at('subnets', i, 'name'), value: entry.name, message: `is a ${subnet.type} subnet: a Public load balancer needs a Utility or Public subnet, whose route goes to the internet gateway`, fix: 'name a Utility or Public subnet, or make the load balancer Internal' });
      }
      const other = subnet.zone === undefined ? undefined : zones.get(subnet.zone);
      if (other !== undefined) {
        problems.push({ path: at('subnets', i, 'name'), value: entry.name, message: `is in zone ${subnet.zone}, as subnets[${other}] is: a load balancer has one subnet per zone`, fix: 'list one subnet per zone' });
      } else if (subnet.zone !== undefined) zones.set(subnet.zone, i);
    }
    const address = entry.privateIPv4Address;
    if (address !== undefined) {
      if (lb.type !== 'Internal' || network) {
        problems.push({ path: at('subnets', i, 'privateIPv4Address'), value: address, message: `applies only to an Internal network load balancer, not ${network ?? 'a Public one'}`, fix: 'remove privateIPv4Address, or set spec.api.loadBalancer.type Internal' });
      }
      const range = subnet?.cidr === undefined ? undefined : parseCidr(subnet.cidr);
      const ip = parseCidr(`${address}/32`);
      if (range?.ok && ip.ok && range.cidr.family === 4) {
        const offset = ip.cidr.base - range.cidr.base;
        const size = 1n << BigInt(32 - range.cidr.prefix);
        if (!cidrContains(range.cidr, ip.cidr)) {
          problems.push({ path: at('subnets', i, 'privateIPv4Address'), value: address, message: `is not in subnet ${entry.name} (${subnet!.cidr})`, fix: `use an address inside ${subnet!.cidr}` });
        } else if (offset < 4n || offset === size - 1n) {
          problems.push({ path: at('subnets', i, 'privateIPv4Address'), value: address, message: `is reserved by AWS in ${subnet!.cidr} (its first four addresses and its last)`, fix: 'use another address of the subnet' });
        }
      }
    }
    if (entry.allocationId !== undefined && (lb.type !== 'Public' || network)) {
      problems.push({ path: at('subnets', i, 'allocationId'), value: entry.allocationId, message: `applies only to a Public network load balancer, not ${network ?? 'an Internal one'}`, fix: 'remove allocationId, or set spec.api.loadBalancer.type Public' });
    }
  });
  return problems;
}
