/**
 * The AWS rules that need no cloud, in the API's validation (so create, replace and edit refuse
 * them, not update), and what the kops import does with kops values hoist cannot use on aws.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema, completeSpec, parseSpecSet } from '../../src/api/index.js';
import type { Subnet } from '../../src/api/index.js';
import { DEFAULT_SERVICE_NODE_PORT_RANGE, nodePortRange } from '../../src/api/defaults.js';
import { cluster, group, groups, validate } from './fixtures.js';
import { withDnsZone } from '../support/kops-zone.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const problems = (subnets: Subnet[], extra: Parameters<typeof cluster>[0] = {}) => validate(cluster({ subnets, ...extra }), [group('control-plane-us-east-1a', { role: 'ControlPlane' })]);

describe('AWS images', () => {
  const withImage = (image: string, cloud: 'aws' | 'gce' = 'aws') =>
    validate(cluster(cloud === 'gce' ? { cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east1', region: 'us-east1', type: 'Public' }] } : {}), [
      group('control-plane', { role: 'ControlPlane', subnets: [cloud === 'gce' ? 'us-east1' : 'us-east-1a'], ...(cloud === 'gce' ? { zones: ['us-east1-b'] } : {}) }),
      group('nodes', { image, subnets: [cloud === 'gce' ? 'us-east1' : 'us-east-1a'], ...(cloud === 'gce' ? { zones: ['us-east1-b'] } : {}) }),
    ]);

  it('takes AMI ids, SSM parameters, kops\'s owner/name, and the default', () => {
    expect(validate(cluster(), groups())).toEqual([]);
    for (const image of ['ami-0123456789abcdef0', 'ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id', 'resolve:ssm:/my/image', '099720109477/ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20240607', 'ubuntu/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*']) {
      expect(withImage(image), image).toEqual([]);
    }
  });

  it('refuses anything else with the group path, the value and a fix', () => {
    for (const image of ['ubuntu-24.04', 'ami-XYZ', 'ssm:', '/ubuntu-noble', '099720109477/', 'owner/with space']) {
      const found = withImage(image);
      expect(found.map((p) => p.path), image).toEqual(['InstanceGroup/nodes:spec.image']);
      expect(found[0]).toMatchObject({ value: image, message: 'is not an image hoist can launch on aws' });
      expect(found[0]?.fix).toContain('ami-');
    }
  });

  it('is a rule of aws only', () => {
    expect(withImage('ubuntu-os-cloud/ubuntu-2404-lts-amd64', 'gce')).toEqual([]);
  });
});

describe('AWS egress of private subnets', () => {
  const utility: Subnet = { name: 'utility-us-east-1a', zone: 'us-east-1a', type: 'Utility' };
  const privateA = (egress?: string): Subnet => ({ name: 'us-east-1a', zone: 'us-east-1a', type: 'Private', ...(egress === undefined ? {} : { egress }) });

  it('takes a NAT gateway id, a transit gateway id, External, or a NAT gateway of hoist', () => {
    expect(problems([privateA('nat-0123456789abcdef0'), utility])).toEqual([]);
    expect(problems([privateA('tgw-0123456789abcdef0'), utility])).toEqual([]);
    // A transit gateway is the zone's way out: no Utility subnet is needed for a NAT gateway.
    expect(problems([privateA('tgw-0123456789abcdef0')], { topology: { controlPlane: 'private', nodes: 'private' } })).toEqual([]);
    expect(problems([privateA('External'), utility])).toEqual([]);
    expect(problems([privateA(), utility])).toEqual([]);
  });

  it('refuses another egress at its path', () => {
    for (const egress of ['i-0123456789abcdef0', 'eipalloc-0123456789abcdef0', 'tgw-', 'TGW-0123', 'nat']) {
      const found = problems([privateA(egress), utility]);
      expect(found, egress).toEqual([expect.objectContaining({ path: 'spec.subnets[0].egress', value: egress, message: 'is not an egress hoist supports on aws' })]);
      expect(found[0]?.fix).toContain('tgw-');
    }
  });

  it('refuses mixed egress values among the private subnets of a zone, as kops, at the later subnet', () => {
    const privateA2 = (egress?: string): Subnet => ({ ...privateA(egress), name: 'us-east-1a-2' });
    expect(problems([privateA('nat-0123456789abcdef0'), privateA2('nat-0123456789abcdef0'), utility])).toEqual([]);
    expect(problems([privateA(), privateA2(), utility])).toEqual([]);
    const mixed = problems([privateA('nat-0123456789abcdef0'), privateA2('tgw-0123456789abcdef0'), utility]);
    expect(mixed).toEqual([expect.objectContaining({ path: 'spec.subnets[1].egress', value: 'tgw-0123456789abcdef0', fix: expect.stringContaining('nat-0123456789abcdef0') })]);
    const unset = problems([privateA(), privateA2('External'), utility]);
    expect(unset).toEqual([expect.objectContaining({ path: 'spec.subnets[1].egress', value: 'External' })]);
    expect(unset[0]?.message).toContain('none (a NAT gateway of hoist\'s)');
    // Another zone has a way out of its own.
    const privateB: Subnet = { name: 'us-east-1b', zone: 'us-east-1b', type: 'Private', egress: 'tgw-0123456789abcdef0' };
    expect(problems([privateA(), privateB, utility, { ...utility, name: 'utility-us-east-1b', zone: 'us-east-1b' }])).toEqual([]);
  });
  it('refuses a NAT or transit gateway on a subnet that is not Private, as kops', () => {
    for (const egress of ['tgw-0123456789abcdef0', 'nat-0123456789abcdef0']) {
      const found = problems([{ ...utility, egress }, privateA()]);
      expect(found, egress).toEqual([expect.objectContaining({ path: 'spec.subnets[0].egress', value: egress })]);
      expect(found[0]?.message).toContain('can only be set on a Private subnet (this one is Utility)');
    }
    expect(problems([{ ...utility, egress: 'External' }, privateA()])).toEqual([]);
  });

  it('needs a subnet hoist manages for its own NAT gateway', () => {
    const shared: Subnet = { ...utility, id: 'subnet-0123456789abcdef0' };
    const found = problems([{ ...privateA(), cidr: '172.20.32.0/19' }, shared], { networkID: 'vpc-0123456789abcdef0' });
    expect(found).toEqual([expect.objectContaining({ path: 'spec.subnets[0]', value: 'us-east-1a' })]);
    expect(found[0]?.message).toContain('no Utility or Public subnet hoist manages');
    // A NAT gateway or a transit gateway given by id needs none.
    expect(problems([{ ...privateA('nat-0123456789abcdef0'), cidr: '172.20.32.0/19' }, shared], { networkID: 'vpc-0123456789abcdef0' })).toEqual([]);
    expect(problems([{ ...privateA('tgw-0123456789abcdef0'), cidr: '172.20.32.0/19' }, shared], { networkID: 'vpc-0123456789abcdef0' })).toEqual([]);
  });
});

describe('egress on gce and on the local cloud', () => {
  const gce = (subnets: Subnet[]) => validate(cluster({ cloudProvider: 'gce', project: 'p', subnets }), [group('cp', { role: 'ControlPlane', subnets: [subnets[0]!.name], zones: ['us-east1-b'] })]);
  const gcePrivate = (egress?: string): Subnet => ({ name: 'us-east1', region: 'us-east1', type: 'Private', ...(egress === undefined ? {} : { egress }) });

  it('takes External and kops\'s NatGateway on gce, and refuses AWS\'s values at their path', () => {
    expect(gce([gcePrivate('External')])).toEqual([]);
    expect(gce([gcePrivate('NatGateway')])).toEqual([]);
    for (const egress of ['tgw-1', 'nat-0123456789abcdef0']) {
      expect(gce([gcePrivate(egress)]), egress).toEqual([expect.objectContaining({ path: 'spec.subnets[0].egress', value: egress, message: expect.stringContaining('is not an egress of gce') })]);
    }
    expect(gce([{ name: 'us-east1', region: 'us-east1', type: 'Public', egress: 'NatGateway' }])).toEqual([expect.objectContaining({ path: 'spec.subnets[0].egress', message: expect.stringContaining('this one is Public') })]);
  });

  it('refuses any egress on the local cloud', () => {
    const local = validate(cluster({ cloudProvider: 'local', networkCIDR: '127.20.0.0/16', subnets: [{ name: 'local-a', zone: 'local-a', type: 'Private', cidr: '127.20.32.0/19', egress: 'External' }, { name: 'utility-local-a', zone: 'local-a', type: 'Utility', cidr: '127.20.0.0/22' }] }), [
      group('cp', { role: 'ControlPlane', subnets: ['local-a'], machineType: 'local.small' }),
    ]);
    expect(local.filter((p) => p.path.endsWith('egress'))).toEqual([expect.objectContaining({ path: 'spec.subnets[0].egress', value: 'External', message: expect.stringContaining('not read on the local cloud') })]);
  });
});

describe('the kops import of an AWS spec', () => {
  const file = join(import.meta.dirname, '../fixtures/kops-specs/complex.yaml');

  it('keeps kops image names (owner/name, looked up when a plan is made) and a transit-gateway egress', () => {
    const set = parseSpecSet(withDnsZone(readFileSync(file, 'utf8')), 'complex.yaml', SPEC_RULES);
    const dropped = set.documents.flatMap((d) => d.converted?.dropped ?? []);
    expect(dropped.map((d) => d.path)).not.toContain('spec.subnets[1].egress');
    expect(dropped.map((d) => d.path)).not.toContain('spec.image');
    expect(set.instanceGroups.every((ig) => ig.spec.image === 'ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20220404')).toBe(true);
    expect(set.cluster.spec.subnets[1]?.egress).toBe('tgw-123456');
    const completed = completeSpec(set.cluster, set.instanceGroups);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
  });

  it('drops, reported, an egress through a NAT instance or an existing Elastic IP, which hoist does not make', () => {
    for (const egress of ['i-0123456789abcdef0', 'eipalloc-0123456789abcdef0']) {
      const text = readFileSync(file, 'utf8').replace('egress: tgw-123456', `egress: ${egress}`);
      const set = parseSpecSet(withDnsZone(text), 'complex.yaml', SPEC_RULES);
      const dropped = set.documents.flatMap((d) => d.converted?.dropped ?? []);
      expect(dropped, egress).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'spec.subnets[1].egress', value: egress })]));
      expect(set.cluster.spec.subnets[1]?.egress).toBeUndefined();
    }
  });
});

describe('defaults the AWS model reads', () => {
  it('completes every etcd member with its volume size and type', () => {
    const done = completeSpec(cluster(), groups());
    for (const m of done.cluster.spec.etcdClusters.flatMap((c) => c.etcdMembers)) expect(m).toMatchObject({ volumeSize: 20, volumeType: 'gp3' });
  });

  it('gives the NodePort range of the spec, else Kubernetes\' own', () => {
    expect(nodePortRange(completeSpec(cluster(), groups()).cluster.spec)).toBe(DEFAULT_SERVICE_NODE_PORT_RANGE);
    expect(nodePortRange(completeSpec(cluster({ kubeAPIServer: { serviceNodePortRange: '31000-31999' } }), groups()).cluster.spec)).toBe('31000-31999');
  });
});

describe('AWS API load balancer options and externalPolicies', () => {
  const withLoadBalancer = (loadBalancer: Record<string, unknown>, extra: Parameters<typeof cluster>[0] = {}) =>
    validate(cluster({ api: { loadBalancer: { type: 'Public', ...loadBalancer } }, ...extra }), groups());
  const certificate = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';

  it('takes an ACM or IAM certificate with a policy, cross-zone load balancing and up to four groups', () => {
    expect(withLoadBalancer({ sslCertificate: certificate, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', crossZoneLoadBalancing: true, additionalSecurityGroups: ['sg-1', 'sg-2', 'sg-3', 'sg-4'] })).toEqual([]);
    expect(withLoadBalancer({ sslCertificate: 'arn:aws:iam::123456789012:server-certificate/api' })).toEqual([]);
  });

  it('refuses a policy without a certificate, a certificate of another region and too many or repeated groups, at their paths', () => {
    expect(withLoadBalancer({ sslPolicy: 'ELBSecurityPolicy-2016-08' })).toEqual([expect.objectContaining({ path: 'spec.api.loadBalancer.sslPolicy', value: 'ELBSecurityPolicy-2016-08' })]);
    const elsewhere = certificate.replace('us-east-1', 'eu-west-1');
    expect(withLoadBalancer({ sslCertificate: elsewhere })).toEqual([expect.objectContaining({ path: 'spec.api.loadBalancer.sslCertificate', value: elsewhere, message: "is an ACM certificate of eu-west-1, not of the cluster's region us-east-1" })]);
    expect(withLoadBalancer({ additionalSecurityGroups: ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5'] }).map((p) => p.path)).toEqual(['spec.api.loadBalancer.additionalSecurityGroups']);
    expect(withLoadBalancer({ additionalSecurityGroups: ['sg-1', 'sg-1'] })[0]).toMatchObject({ message: 'lists sg-1 more than once' });
  });

  it('refuses what is not an ARN or a group id in the schema, with the field path', () => {
    const parsed = (spec: Record<string, unknown>) => ClusterSpecSchema.safeParse({ ...cluster().spec, ...spec }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(parsed({ api: { loadBalancer: { type: 'Public', sslCertificate: 'my-cert' } } })).toEqual([['api.loadBalancer.sslCertificate', expect.stringContaining('an ACM certificate ARN')]]);
    expect(parsed({ api: { loadBalancer: { type: 'Public', additionalSecurityGroups: ['default'] } } })).toEqual([['api.loadBalancer.additionalSecurityGroups.0', expect.stringContaining('a security group id')]]);
    expect(parsed({ externalPolicies: { node: ['AmazonSSMManagedInstanceCore'] } })).toEqual([['externalPolicies.node.0', expect.stringContaining('a managed policy ARN')]]);
    expect(parsed({ externalPolicies: { nodes: [] } })?.[0]?.[0]).toBe('externalPolicies');
  });

  it('refuses externalPolicies for both master and control-plane', () => {
    const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const found = validate(cluster({ externalPolicies: { master: [arn], 'control-plane': [arn] } }), groups());
    expect(found).toEqual([expect.objectContaining({ path: 'spec.externalPolicies.master', message: 'and control-plane name the same role' })]);
  });
});
