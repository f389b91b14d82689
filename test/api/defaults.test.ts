import { describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import { cluster, group, groups } from './fixtures.js';

describe('completeSpec', () => {
  it('carves subnet CIDRs like kops: /19s for Public then Private in zone order, /22s for Utility', () => {
    const c = cluster({
      subnets: [
        { name: 'utility-b', zone: 'us-east-1b', type: 'Utility' },
        { name: 'private-b', zone: 'us-east-1b', type: 'Private' },
        { name: 'private-a', zone: 'us-east-1a', type: 'Private' },
        { name: 'public-a', zone: 'us-east-1a', type: 'Public' },
        { name: 'utility-a', zone: 'us-east-1a', type: 'Utility' },
      ],
    });
    const cidrs = Object.fromEntries(completeSpec(c, groups()).cluster.spec.subnets.map((s) => [s.name, s.cidr]));
    expect(cidrs).toEqual({
      'public-a': '172.20.32.0/19',
      'private-a': '172.20.64.0/19',
      'private-b': '172.20.96.0/19',
      'utility-a': '172.20.4.0/22',
      'utility-b': '172.20.8.0/22',
    });
  });

  it('skips ranges the spec already uses', () => {
    const c = cluster({ subnets: [{ name: 'a', zone: 'us-east-1a', type: 'Public' }, { name: 'b', zone: 'us-east-1b', type: 'Public', cidr: '172.20.32.0/19' }] });
    expect(completeSpec(c, []).cluster.spec.subnets.map((s) => s.cidr)).toEqual(['172.20.64.0/19', '172.20.32.0/19']);
  });

  it('fills the cluster defaults', () => {
    const spec = completeSpec(cluster({ networkCIDR: undefined }), groups()).cluster.spec;
    expect(spec).toMatchObject({
      networkCIDR: '172.20.0.0/16',
      nonMasqueradeCIDR: '100.64.0.0/10',
      serviceClusterIPRange: '100.64.0.0/13',
      podCIDR: '100.96.0.0/11',
      region: 'us-east-1',
      channel: 'stable',
      topology: { controlPlane: 'public', nodes: 'public', dns: { type: 'Public' } },
      api: { loadBalancer: { type: 'Public' }, publicName: 'api.demo.example.com' },
      sshAccess: ['0.0.0.0/0'],
      kubernetesApiAccess: ['0.0.0.0/0'],
      nodePortAccess: [],
      networking: { flannel: {} },
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it('puts a private control plane behind a public load balancer', () => {
    expect(completeSpec(cluster({ topology: { controlPlane: 'private', nodes: 'private' } }), []).cluster.spec.api).toEqual({
      loadBalancer: { type: 'Public' },
      publicName: 'api.demo.example.com',
    });
  });

  it.each([
    ['aws', { loadBalancer: { type: 'Public' } }],
    ['gce', { loadBalancer: { type: 'Public' } }],
    ['local', { dns: {} }],
  ] as const)('gives a public control plane on %s with a DNS zone its default API: %j', (cloudProvider, api) => {
    const spec = completeSpec(cluster({ cloudProvider, dnsZone: 'example.com', topology: { controlPlane: 'public', nodes: 'public' } }), []).cluster.spec;
    expect(spec.api).toEqual({ ...api, publicName: 'api.demo.example.com' });
  });

  it.each([
    ['aws', '172.20.0.0/16', 't3.medium'],
    ['gce', '10.0.0.0/16', 'e2-medium'],
    ['local', '127.20.0.0/16', 'local.small'],
  ] as const)('uses the %s network and machine types', (cloud, network, machineType) => {
    const done = completeSpec(cluster({ cloudProvider: cloud, networkCIDR: undefined }), groups());
    expect(done.cluster.spec.networkCIDR).toBe(network);
    expect(done.instanceGroups.map((ig) => ig.spec.machineType)).toEqual([machineType, machineType]);
  });

  it('names etcd members by zone letter, one per control-plane group', () => {
    const igs = [
      group('cp-a', { role: 'ControlPlane', subnets: ['us-east-1a'] }),
      group('cp-b', { role: 'ControlPlane', subnets: ['us-east-1b'] }),
      group('cp-a2', { role: 'ControlPlane', subnets: ['us-east-1a'] }),
      group('nodes'),
    ];
    const etcd = completeSpec(cluster(), igs).cluster.spec.etcdClusters;
    expect(etcd.map((c) => c.name)).toEqual(['main', 'events']);
    expect(etcd[0]?.etcdMembers).toEqual([
      { name: 'a', instanceGroup: 'cp-a', volumeSize: 20, volumeType: 'gp3' },
      { name: 'b', instanceGroup: 'cp-b', volumeSize: 20, volumeType: 'gp3' },
      { name: 'a-2', instanceGroup: 'cp-a2', volumeSize: 20, volumeType: 'gp3' },
    ]);
  });

  it('fills group defaults per role, and keeps what the user wrote', () => {
    const [cp, nodes, bastion, big] = completeSpec(cluster(), [
      group('cp', { role: 'ControlPlane' }),
      group('nodes', { subnets: ['us-east-1a', 'us-east-1b'] }),
      group('bastion', { role: 'Bastion' }),
      group('big', { minSize: 5, machineType: 'm5.large' }),
    ]).instanceGroups;
    expect(cp?.spec).toMatchObject({ minSize: 1, maxSize: 1, rootVolumeSize: 64, rootVolumeType: 'gp3', zones: ['us-east-1a'], rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(nodes?.spec).toMatchObject({ minSize: 2, maxSize: 2, rootVolumeSize: 128, zones: ['us-east-1a', 'us-east-1b'], associatePublicIp: true, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(bastion?.spec).toMatchObject({ machineType: 't3.micro', minSize: 1, maxSize: 1, rootVolumeSize: 32 });
    expect(big?.spec).toMatchObject({ machineType: 'm5.large', minSize: 5, maxSize: 5 });
  });

  it('resolves rolling updates like kops: group, then cluster as written, then defaults', () => {
    const c = cluster({ rollingUpdate: { maxSurge: 0 } });
    const done = completeSpec(c, [group('a'), group('b', { rollingUpdate: { maxSurge: '25%' } }), group('cp', { role: 'ControlPlane' })]);
    expect(done.cluster.spec.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(done.instanceGroups.map((ig) => ig.spec.rollingUpdate)).toEqual([
      { maxSurge: 0, maxUnavailable: 1 },
      { maxSurge: '25%', maxUnavailable: 0 },
      { maxSurge: 0, maxUnavailable: 1 },
    ]);
  });

  it('adds the cluster label to groups without one', () => {
    const ig = { ...group('x'), metadata: { name: 'x' } };
    expect(completeSpec(cluster(), [ig]).instanceGroups[0]?.metadata.labels).toEqual({ 'hoist.dev/cluster': 'demo.example.com' });
  });

  it('leaves unset what it cannot compute instead of throwing', () => {
    const done = completeSpec(cluster({ networkCIDR: 'nonsense', nonMasqueradeCIDR: 'nope' }), groups());
    expect(done.cluster.spec.subnets.every((s) => s.cidr === undefined)).toBe(true);
    expect(done.cluster.spec.serviceClusterIPRange).toBeUndefined();
  });

  it('is idempotent and does not change its inputs', () => {
    const c = cluster();
    const igs = groups();
    const snapshot = structuredClone({ c, igs });
    const once = completeSpec(c, igs);
    expect({ c, igs }).toEqual(snapshot);
    expect(completeSpec(once.cluster, once.instanceGroups)).toEqual(once);
  });
});
