/** The AWS model and error mapping, without a cloud: pure functions of the spec. */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, validateSpecSet } from '../../src/api/index.js';
import type { NewClusterOptions } from '../../src/api/index.js';
import { NotReadyError } from '../../src/engine/executor.js';
import { buildPlan } from '../../src/engine/planner.js';
import { AWS_KINDS } from '../../cloudup/aws/tasks/index.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import type { LaunchTemplateFields } from '../../cloudup/aws/tasks/launch-template.js';
import { fieldsOf } from '../../cloudup/aws/terraform/render.js';
import { nodePolicy, storeLocation } from '../../cloudup/aws/model/iam-policies.js';
import { elbName, iamName } from '../../cloudup/aws/names.js';
import { USER_DATA_LIMIT, userData } from '../../cloudup/aws/model/user-data.js';
import { decodeUserData, encodeUserData } from '../../cloudup/aws/tasks/launch-template.js';
import { AmbiguousCreateError, isRetryableAwsError, toEngineError } from '../../cloudup/aws/errors.js';
import { TEST_NODEUP_SHA256, testBoot } from '../support/boot.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';

const boot = testBoot({ stateStore: 's3://state/clusters', configHash: (ig: string) => `sha256:${ig}` });
const spec = (opts: Partial<NewClusterOptions> = {}) => {
  const s = newClusterSpec({ name: 'model.example.com', cloud: 'aws', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], ...opts }, SPEC_RULES);
  return completeSpec(s.cluster, s.instanceGroups);
};
const kinds = (tasks: readonly { kind: string }[]) => tasks.reduce<Record<string, number>>((m, t) => ({ ...m, [t.kind]: (m[t.kind] ?? 0) + 1 }), {});

describe('the AWS model', () => {
  it('lays out a private cluster as kops does, as a valid graph', () => {
    const tasks = buildAwsTasks(spec({ topology: 'private', dnsZone: 'example.com', sshPublicKey: 'ssh-ed25519 AAAAC3Nza test' }), boot);
    expect(kinds(tasks)).toMatchObject({
      VPC: 1, Subnet: 6, InternetGateway: 1, RouteTable: 4, Route: 4, RouteTableAssociation: 6, ElasticIP: 3, NatGateway: 3,
      SecurityGroup: 2, IAMRole: 3, IAMRolePolicy: 4, IAMInstanceProfile: 3, KeyPair: 1, EBSVolume: 2,
      LaunchTemplate: 3, AutoScalingGroup: 3, LoadBalancer: 1, TargetGroup: 1, Listener: 1, HostedZone: 1, DNSRecord: 2,
    });
    // Every reference has its dependency, no cycle: the planner accepts it and creates everything.
    const zone = { id: 'Z1', name: 'example.com', fields: {}, outputs: { id: 'Z1', arn: 'arn:aws:route53:::hostedzone/Z1' }, shared: true };
    const { plan } = buildPlan({ cluster: 'model.example.com', cloud: 'aws', specRevision: null, tasks, kinds: AWS_KINDS }, new Map([['HostedZone', [zone]]]));
    expect(plan.summary.create).toBe(tasks.length - 1);
    expect(new Set(tasks.map((t) => `${t.kind}/${t.name}`)).size).toBe(tasks.length);
  });

  it('makes no NAT nor private tables for a public topology, and gives its API a load balancer with a DNS zone or without', () => {
    // With no spec.api the API has a load balancer on aws: hoist runs no DNS controller to name a DNS-only one.
    expect(kinds(buildAwsTasks(spec(), boot))['LoadBalancer']).toBe(1);
    const counts = kinds(buildAwsTasks(spec({ dnsZone: 'example.com' }), boot));
    expect(counts).toMatchObject({ Subnet: 3, RouteTable: 1, RouteTableAssociation: 3, LoadBalancer: 1 });
    expect(counts['NatGateway'] ?? 0).toBe(0);
  });

  it('routes a DualStack subnet of an IPv6 cluster as a private one: its zone\'s NAT gateway for IPv4, the egress-only gateway for IPv6', () => {
    const s = newClusterSpec({ name: 'model.example.com', cloud: 'aws', zones: ['us-east-1a'], topology: 'private', dnsZone: 'example.com' }, SPEC_RULES);
    const c = s.cluster.spec;
    const subnets = [...c.subnets, { name: 'dualstack-us-east-1a', zone: 'us-east-1a', type: 'DualStack' as const, cidr: '172.20.64.0/19' }].map((x, i) => ({ ...x, ipv6CIDR: `/64#${i}` }));
    const cluster = { ...s.cluster, spec: { ...c, nonMasqueradeCIDR: '::/0', networking: { cilium: {} }, subnets } };
    const v6 = completeSpec(cluster, s.instanceGroups);
    expect(validateSpecSet(v6.cluster, v6.instanceGroups, specRulesOf('aws'))).toEqual([]);
    const tasks = buildAwsTasks(v6, boot);
    const named = (id: string) => tasks.find((t) => `${t.kind}/${t.name}` === id);
    expect(named('Subnet/dualstack-us-east-1a.model.example.com')?.desired).toMatchObject({
      ipv6CidrBlock: '/64#2',
      vpcIpv6CidrBlock: { $ref: 'VPC/model.example.com', output: 'ipv6CidrBlock' },
      assignIpv6AddressOnCreation: true,
      tags: { SubnetType: 'DualStack', 'kubernetes.io/role/internal-elb': '1' },
    });
    expect(named('RouteTableAssociation/dualstack-us-east-1a.model.example.com')?.desired).toMatchObject({ routeTableId: { $ref: 'RouteTable/private-us-east-1a.model.example.com' } });
    expect(named('Route/::/0.private-us-east-1a.model.example.com')?.desired).toMatchObject({ destinationIpv6CidrBlock: '::/0', egressOnlyInternetGatewayId: { $ref: 'EgressOnlyInternetGateway/model.example.com' } });
    expect(named('VPC/model.example.com')?.desired).toMatchObject({ amazonProvidedIpv6CidrBlock: true });
    // An IPv4 cluster's tasks have none of it.
    const v4 = buildAwsTasks(spec({ topology: 'private', dnsZone: 'example.com', zones: ['us-east-1a'] }), boot);
    expect(v4.filter((t) => t.kind === 'EgressOnlyInternetGateway' || JSON.stringify(t.desired).includes('::/0') || 'amazonProvidedIpv6CidrBlock' in t.desired).map((t) => `${t.kind}/${t.name}`)).toEqual([]);
  });

  it('uses a shared VPC and shared subnets without owning them', () => {
    const s = spec({ networkID: 'vpc-0123', topology: 'public' });
    const withIds = { ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, subnets: s.cluster.spec.subnets.map((x, i) => ({ ...x, id: `subnet-${i}` })) } } };
    const tasks = buildAwsTasks(withIds, boot);
    expect(tasks.filter((t) => t.lifecycle === 'ExistsAndValidates').map((t) => `${t.kind}/${t.name}`)).toEqual(['VPC/vpc-0123', 'Subnet/subnet-0', 'Subnet/subnet-1', 'Subnet/subnet-2']);
    expect(kinds(tasks)['RouteTable'] ?? 0).toBe(0);
    expect(kinds(tasks)['InternetGateway'] ?? 0).toBe(0);
  });

  it('refuses an image it cannot launch in the API\'s validation, and launches SSM parameters through EC2', () => {
    const s = spec();
    const bad = { ...s, instanceGroups: s.instanceGroups.map((ig) => ({ ...ig, spec: { ...ig.spec, image: 'ubuntu-24.04' } })) };
    expect(validateSpecSet(bad.cluster, bad.instanceGroups, specRulesOf('aws')).map((p) => p.path)).toContain(`InstanceGroup/${s.instanceGroups[0]!.metadata.name}:spec.image`);
    const images = buildAwsTasks(s, boot).filter((t) => t.kind === 'LaunchTemplate').map((t) => fieldsOf<LaunchTemplateFields>(t).imageId);
    expect(new Set(images)).toEqual(new Set([`resolve:${s.instanceGroups[0]!.spec.image}`]));
  });

  it('grants a node its own prefixes of the state store only', () => {
    const store = storeLocation('s3://state/clusters', 'model.example.com');
    expect(store).toEqual({ bucket: 'state', prefix: 'clusters/model.example.com/' });
    const statements = nodePolicy(store, 'us-east-1', 'nodes-a')['Statement'] as { Sid: string; Resource: string[] }[];
    expect(statements.find((s) => s.Sid === 'StateStoreRead')?.Resource).toEqual([
      'arn:aws:s3:::state/clusters/model.example.com/igconfig/nodes-a/*',
      'arn:aws:s3:::state/clusters/model.example.com/pki/issued/*',
      'arn:aws:s3:::state/clusters/model.example.com/nodeup/*',
    ]);
    expect(statements.find((s) => s.Sid === 'StateStoreWrite')?.Resource).toEqual(['arn:aws:s3:::state/clusters/model.example.com/status/instances/nodes-a/*']);
    expect(storeLocation('file:///tmp/state', 'x')).toBeUndefined();
  });

  it('keeps AWS names within their limits and apart', () => {
    const long = 'a-very-long-cluster-name.with.many.labels.example.com';
    expect(elbName('api', long).length).toBeLessThanOrEqual(32);
    expect(elbName('api', long)).not.toBe(elbName('api', `${long}.x`));
    expect(elbName('api', 'demo.example.com')).toBe('api-demo-example-com');
    expect(iamName(`control-plane.${long}.${long}`).length).toBeLessThanOrEqual(64);
  });
});

describe('AWS errors', () => {
  const err = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  it('retries throttling, 5xx and ambiguous creates, and nothing else', () => {
    expect(isRetryableAwsError(err('RequestLimitExceeded', 503))).toBe(true);
    expect(isRetryableAwsError(err('Throttling', 400))).toBe(true);
    expect(isRetryableAwsError(err('InternalError', 500))).toBe(true);
    expect(isRetryableAwsError(new AmbiguousCreateError('CreateVpcCommand', err('ServiceUnavailable', 503)))).toBe(true);
    expect(isRetryableAwsError(err('InvalidParameterValue', 400))).toBe(false);
  });
  it('makes "still in use" not ready yet', () => {
    expect(toEngineError(err('DependencyViolation', 400), 'Subnet/a')).toBeInstanceOf(NotReadyError);
    expect(toEngineError(err('ResourceInUse', 400), 'AutoScalingGroup/a')).toBeInstanceOf(NotReadyError);
    expect(toEngineError(err('InvalidParameterValue', 400), 'x')).not.toBeInstanceOf(NotReadyError);
  });

  it('user data is the boot script, pinning the group\'s configuration hash and the nodeup bundle, sent gzip\'d', () => {
    const hash = `sha256:${'c'.repeat(64)}`;
    const ig = spec().instanceGroups.find((g) => g.spec.role === 'Node')!;
    const text = userData('model.example.com', ig, { ...boot, configHash: () => hash }, 'eu-west-1');
    expect(text.startsWith('#!/bin/bash\n')).toBe(true);
    expect(text).toContain(`NODEUP_URL='s3://state/clusters/test.example.com/nodeup/${TEST_NODEUP_SHA256}/nodeup.mjs'`);
    expect(text).toContain(`NODEUP_SHA256=${TEST_NODEUP_SHA256}`);
    expect(text).toContain(`configHash: ${hash}`);
    expect(text).toContain('REGION=eu-west-1');
    const sent = encodeUserData(text);
    expect([...sent.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(sent.length).toBeLessThan(USER_DATA_LIMIT);
    expect(encodeUserData(text).equals(sent)).toBe(true);
    expect(decodeUserData(sent)).toBe(text);
    // A template another tool wrote with plain user data reads as it is.
    expect(decodeUserData(Buffer.from('#cloud-config\n'))).toBe('#cloud-config\n');
  });
});
