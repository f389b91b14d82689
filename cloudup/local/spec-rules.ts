/**
 * The rules of the local cloud for its part of a spec, checked by every command that accepts a
 * spec: its network is on loopback, its machine types are its own, and a new cluster gets zone
 * local-a unless told otherwise. Loaded by spec commands: imports no cloud machinery.
 */

import { formatPath, instanceGroupPath } from '../../src/api/index.js';
import type { CloudSpecRules, CompletedSpec } from '../../src/api/index.js';
import { cidrContains, parseCidr } from '../../src/api/cidr.js';
import { permissionsBoundaryProblems } from '../../src/api/irsa.js';
import { awsOnlyLoadBalancerProblems } from '../../src/api/lb-aws-only.js';
import { nearest } from '../../src/api/issues.js';
import { unsupportedGroupFieldProblems } from '../../src/api/validate-group-fields.js';
import type { FieldProblem } from '../../src/errors.js';

/** Machine types the local cloud knows. */
export const LOCAL_MACHINE_TYPES = ['local.micro', 'local.small', 'local.medium', 'local.large'] as const;

const LOOPBACK = parseCidr('127.0.0.0/8');

/** Whether `range` is a CIDR inside 127.0.0.0/8, where local instances get their addresses. */
export function onLoopback(range: string): boolean {
  const parsed = parseCidr(range);
  return parsed.ok && LOOPBACK.ok && cidrContains(LOOPBACK.cidr, parsed.cidr);
}

export const localSpecRules: CloudSpecRules = {
  cloud: 'local',
  regionalSubnets: false,
  sharedSubnetsNeedNoZone: false,
  // Its machines are processes: spot, volumes and metadata settings have no meaning there.
  validate: (spec) => [...networkProblems(spec), ...egressProblems(spec), ...machineTypeProblems(spec), ...unsupportedGroupFieldProblems(spec, [], 'the local cloud'), ...permissionsBoundaryProblems(spec.cluster, 'the local cloud'), ...awsOnlyLoadBalancerProblems(spec.cluster, 'the local cloud')],
  newCluster: { defaultZones: ['local-a'] },
};

/** Instances use loopback addresses of their subnets, so the network must be inside 127.0.0.0/8. */
function networkProblems(spec: CompletedSpec): FieldProblem[] {
  const { networkCIDR } = spec.cluster.spec;
  const network = parseCidr(networkCIDR);
  // A range that is not an IPv4 CIDR is the API's problem, reported there.
  if (!network.ok || network.cidr.family !== 4 || onLoopback(networkCIDR)) return [];
  return [{ path: formatPath(['spec', 'networkCIDR']), value: networkCIDR, message: 'must be inside 127.0.0.0/8 on the local cloud, whose instances use loopback addresses', fix: 'e.g. 127.20.0.0/16' }];
}

/** The local cloud has no NAT or gateways to choose from: its machines reach out through the host. */
function egressProblems(spec: CompletedSpec): FieldProblem[] {
  return spec.cluster.spec.subnets.flatMap((s, i): FieldProblem[] =>
    s.egress === undefined
      ? []
      : [{ path: formatPath(['spec', 'subnets', i, 'egress']), value: s.egress, message: 'is not read on the local cloud, whose machines reach out through the host (no NAT or gateway to choose)', fix: 'remove it' }],
  );
}

function machineTypeProblems(spec: CompletedSpec): FieldProblem[] {
  const known: readonly string[] = LOCAL_MACHINE_TYPES;
  return spec.instanceGroups.flatMap((ig): FieldProblem[] => {
    const type = ig.spec.machineType;
    if (known.includes(type)) return [];
    const guess = nearest(type, known);
    return [{ path: instanceGroupPath(ig.metadata.name, ['spec', 'machineType']), value: type, message: `is not a machine type of the local cloud (${LOCAL_MACHINE_TYPES.join(', ')})`, fix: guess ? `did you mean ${guess}?` : 'use local.small' }];
  });
}
