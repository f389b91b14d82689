import { describe, expect, it } from 'vitest';
import { completeSpec, validateUpdate } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { cluster, group, groups, validate } from './fixtures.js';

const paths = (c: Cluster, igs: readonly InstanceGroup[] = groups()) => validate(c, igs).map((p) => p.path);

describe('validateSpecSet', () => {
  it('accepts a valid set, completed or not', () => {
    expect(validate(cluster(), groups())).toEqual([]);
    const done = completeSpec(cluster(), groups());
    expect(validate(done.cluster, done.instanceGroups)).toEqual([]);
  });

  it('returns every problem at once, each with value and fix', () => {
    const c = cluster({
      kubernetesVersion: '1.29.0',
      networkCIDR: '10.0.0.0/16',
      subnets: [
        { name: 'a', zone: 'us-east-1a', type: 'Public', cidr: '10.0.0.0/20' },
        { name: 'b', zone: 'us-east-1b', type: 'Public', cidr: '10.0.8.0/21' },
        { name: 'c', zone: 'us-east-1c', type: 'Public', cidr: '10.1.0.0/24' },
      ],
    });
    const problems = validate(c, [group('cp', { role: 'ControlPlane', subnets: ['a'] }), group('n', { subnets: ['a', 'x'], minSize: 3, maxSize: 1 })]);
    expect(problems.map((p) => p.path)).toEqual([
      'spec.kubernetesVersion',
      'spec.subnets[1].cidr',
      'spec.subnets[2].cidr',
      'InstanceGroup/n:spec.subnets[1]',
      'InstanceGroup/n:spec.minSize',
    ]);
    for (const p of problems) expect(p.fix).toBeTruthy();
    expect(problems[0]?.message).toContain('1.30 to 1.35');
  });

  it('accepts v-prefixed versions and refuses other forms', () => {
    expect(paths(cluster({ kubernetesVersion: 'v1.35.0' }))).toEqual([]);
    expect(paths(cluster({ kubernetesVersion: '1.34' }))).toEqual(['spec.kubernetesVersion']);
  });

  it('checks service and pod ranges against the network and nonMasqueradeCIDR', () => {
    expect(paths(cluster({ serviceClusterIPRange: '10.96.0.0/12' }))).toEqual(['spec.serviceClusterIPRange']);
    expect(paths(cluster({ podCIDR: '100.64.0.0/13' }))).toEqual(['spec.podCIDR']);
    expect(paths(cluster({ nonMasqueradeCIDR: '172.16.0.0/12' }))).toEqual(['spec.nonMasqueradeCIDR']);
    expect(validate(cluster({ nonMasqueradeCIDR: '172.20.0.0/16' }), groups())[0]?.fix).toContain('only a VPC-routed pod network, networking.amazonvpc, lets it overlap');
  });

  it('lets a VPC-routed pod network (amazonvpc) have nonMasqueradeCIDR and podCIDR in the network, as kops does; services stay outside it', () => {
    const vpc = { networking: { amazonvpc: {} }, nonMasqueradeCIDR: '172.20.0.0/16' };
    expect(paths(cluster(vpc))).toEqual([]);
    const done = completeSpec(cluster(vpc), groups()).cluster.spec;
    // Pods from the upper half of the network's range; services from kops's default range.
    expect([done.podCIDR, done.serviceClusterIPRange]).toEqual(['172.20.128.0/17', '100.64.0.0/13']);
    expect(paths(cluster({ ...vpc, nonMasqueradeCIDR: '172.16.0.0/12', podCIDR: '172.20.0.0/16' }))).toEqual([]);
    const inNetwork = validate(cluster({ ...vpc, serviceClusterIPRange: '172.20.0.0/19' }), groups());
    expect(inNetwork).toEqual([expect.objectContaining({ path: 'spec.serviceClusterIPRange', value: '172.20.0.0/19', message: 'overlaps the network spec.networkCIDR (172.20.0.0/16)' })]);
    expect(paths(cluster({ ...vpc, podCIDR: '10.0.0.0/16' }))).toEqual(['spec.podCIDR']);
    // Without it, the default range is derived from nonMasqueradeCIDR as before.
    expect(completeSpec(cluster(), groups()).cluster.spec.serviceClusterIPRange).toBe('100.64.0.0/13');
  });

  it('checks zones against the cloud and one region', () => {
    expect(paths(cluster({ subnets: [{ name: 'a', zone: 'us-central1-a', type: 'Public' }] }), [group('cp', { role: 'ControlPlane', subnets: ['a'] })])).toEqual(['spec.subnets[0].zone']);
    expect(paths(cluster({ region: 'eu-west-1' }))).toEqual(['spec.subnets[0].zone', 'spec.subnets[1].zone']);
  });

  it('needs a project on gce, and zones for groups in a regional subnet', () => {
    const gce = cluster({ cloudProvider: 'gce', networkCIDR: '10.0.0.0/16', subnets: [{ name: 'r', region: 'us-central1', type: 'Public' }] });
    expect(paths(gce, [group('cp', { role: 'ControlPlane', subnets: ['r'] })])).toEqual(['InstanceGroup/cp:spec.zones', 'spec.project']);
    expect(paths({ ...gce, spec: { ...gce.spec, project: 'p' } }, [group('cp', { role: 'ControlPlane', subnets: ['r'], zones: ['us-central1-b'] })])).toEqual([]);
  });

  it('keeps the local cloud on loopback addresses and its machine types', () => {
    const local = cluster({ cloudProvider: 'local', networkCIDR: '10.0.0.0/16', subnets: [{ name: 'a', zone: 'local-a', type: 'Public' }] });
    expect(paths(local, [group('cp', { role: 'ControlPlane', subnets: ['a'], machineType: 'local.smal' })])).toEqual(['spec.networkCIDR', 'InstanceGroup/cp:spec.machineType']);
  });

  it('checks etcd: odd member count, control-plane groups, unique names', () => {
    const igs = [group('cp-a', { role: 'ControlPlane' }), group('cp-b', { role: 'ControlPlane', subnets: ['us-east-1b'] }), group('nodes')];
    expect(paths(cluster(), igs)).toEqual(['spec.etcdClusters[0].etcdMembers', 'spec.etcdClusters[1].etcdMembers']);
    const etcd = [{ name: 'main', etcdMembers: [{ name: 'a', instanceGroup: 'cp-a' }, { name: 'a', instanceGroup: 'nodes' }, { name: 'c', instanceGroup: 'cp-a' }] }];
    expect(paths(cluster({ etcdClusters: etcd }), igs)).toEqual([
      'spec.etcdClusters[0].etcdMembers[1].name',
      'spec.etcdClusters[0].etcdMembers[1].instanceGroup',
      'spec.etcdClusters[0].etcdMembers[2].instanceGroup',
    ]);
    expect(paths(cluster({ etcdClusters: [] }))).toEqual(['spec.etcdClusters']);
  });

  it('checks rolling updates at the cluster and in groups, and stops control planes from surging', () => {
    expect(paths(cluster({ rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }))).toEqual(['spec.rollingUpdate']);
    expect(paths(cluster(), [group('cp', { role: 'ControlPlane', rollingUpdate: { maxSurge: '10%' } }), group('n', { rollingUpdate: { maxUnavailable: '150%' } })])).toEqual([
      'InstanceGroup/cp:spec.rollingUpdate.maxSurge',
      'InstanceGroup/n:spec.rollingUpdate.maxUnavailable',
    ]);
  });

  it('checks access lists, labels, taints and reserved tags', () => {
    const c = cluster({ sshAccess: ['1.2.3.4', 'pl-0123456789abcdef0', '::/0'], cloudLabels: { 'kubernetes.io/cluster/x': 'owned' } });
    const n = group('n', { nodeLabels: { 'bad key!': 'x' }, taints: ['a=b:Sometimes', 'ok=yes:NoSchedule'] });
    expect(paths(c, [group('cp', { role: 'ControlPlane' }), n])).toEqual([
      'spec.cloudLabels["kubernetes.io/cluster/x"]',
      'spec.sshAccess[0]',
      'InstanceGroup/n:spec.nodeLabels["bad key!"]',
      'InstanceGroup/n:spec.taints[0]',
    ]);
  });

  it('refuses a group labelled for another cluster, and a set without a control plane', () => {
    expect(paths(cluster(), [group('cp', { role: 'ControlPlane' }, 'other.example.com')])).toEqual(['InstanceGroup/cp:metadata.labels["hoist.dev/cluster"]']);
    expect(paths(cluster(), [group('n')])).toContain('instanceGroups');
  });

  it('reports when a subnet no longer fits in the network', () => {
    const subnets = Array.from({ length: 8 }, (_, i) => ({ name: `s${i}`, zone: 'us-east-1a', type: 'Public' as const }));
    expect(paths(cluster({ subnets }), [group('cp', { role: 'ControlPlane', subnets: ['s0'] })])).toEqual(['spec.subnets[7].cidr']);
  });
});

describe('validateUpdate', () => {
  const before = { cluster: cluster(), instanceGroups: groups() };

  it('allows changes that are updates', () => {
    const after = { cluster: cluster({ kubernetesVersion: '1.35.0' }), instanceGroups: [...groups(), group('more')] };
    expect(validateUpdate(before, after)).toEqual([]);
  });

  it('refuses what would replace the cluster, etcd or a group', () => {
    const renamed = { ...cluster({ cloudProvider: 'gce', networkCIDR: '172.21.0.0/16' }), metadata: { name: 'other.example.com' } };
    const igs = groups().map((ig) => (ig.metadata.name === 'nodes' ? { ...ig, spec: { ...ig.spec, role: 'Bastion' as const } } : ig));
    expect(validateUpdate(before, { cluster: renamed, instanceGroups: igs }).map((p) => p.path)).toEqual([
      'metadata.name',
      'spec.cloudProvider',
      'spec.networkCIDR',
      // us-east-1a is no gce zone, so the default member names change too.
      'spec.etcdClusters[0].etcdMembers',
      'spec.etcdClusters[1].etcdMembers',
      'spec.subnets[0].cidr',
      'spec.subnets[1].cidr',
      'InstanceGroup/nodes:spec.role',
    ]);
  });

  it('catches carved subnet CIDRs that would move, and etcd member renames', () => {
    const moved = cluster({ subnets: [{ name: 'new', zone: 'us-east-1a', type: 'Public' }, ...cluster().spec.subnets] });
    expect(validateUpdate({ cluster: cluster(), igs: groups() }, { cluster: moved, igs: groups() }).map((p) => p.path)).toEqual(['spec.subnets[1].cidr', 'spec.subnets[2].cidr']);
    const etcd = completeSpec(cluster(), groups()).cluster.spec.etcdClusters.map((c) => ({ ...c, etcdMembers: c.etcdMembers.map((m) => ({ ...m, name: 'x' })) }));
    expect(validateUpdate(before, { cluster: cluster({ etcdClusters: etcd }), instanceGroups: groups() }).map((p) => p.path)).toEqual([
      'spec.etcdClusters[0].etcdMembers',
      'spec.etcdClusters[1].etcdMembers',
    ]);
  });
});
