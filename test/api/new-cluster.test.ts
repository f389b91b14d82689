import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { CLOUDS, completeSpec, DEFAULT_KUBERNETES_VERSION, newClusterSpec } from '../../src/api/index.js';
import type { CloudProvider, NewClusterOptions } from '../../src/api/index.js';
import { validate } from './fixtures.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const ZONES: Record<CloudProvider, string[]> = {
  aws: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  gce: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
  local: ['local-a', 'local-b'],
};

function flagPaths(opts: NewClusterOptions): string[] {
  try {
    newClusterSpec(opts, SPEC_RULES);
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => p.path);
    throw e;
  }
  return [];
}

describe('newClusterSpec', () => {
  const cases = CLOUDS.flatMap((cloud) =>
    (['public', 'private'] as const).flatMap((topology) => [1, 3, 5].flatMap((cp) => [0, 1, 2, 7].map((nodes) => ({ cloud, topology, cp, nodes })))),
  );

  it.each(cases)('$cloud, $topology, $cp control planes, $nodes nodes: the completed spec validates', ({ cloud, topology, cp, nodes }) => {
    const spec = newClusterSpec({ name: 'demo.example.com', cloud, topology, zones: ZONES[cloud], controlPlaneCount: cp, nodeCount: nodes, project: 'my-project' }, SPEC_RULES);
    const done = completeSpec(spec.cluster, spec.instanceGroups);
    expect(validate(done.cluster, done.instanceGroups)).toEqual([]);
    const sizes = spec.instanceGroups.filter((ig) => ig.spec.role === 'Node').map((ig) => ig.spec.maxSize ?? 0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(nodes);
    expect(spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane')).toHaveLength(cp);
    expect(done.cluster.spec.etcdClusters[0]?.etcdMembers).toHaveLength(cp);
  });

  it('defaults to one local zone, one control plane and two nodes, like kops', () => {
    const spec = newClusterSpec({ name: 'dev.local' }, SPEC_RULES);
    expect(spec.cluster.spec).toMatchObject({
      cloudProvider: 'local',
      kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
      networkCIDR: '127.20.0.0/16',
      subnets: [{ name: 'local-a', zone: 'local-a', type: 'Public', cidr: '127.20.32.0/19' }],
      etcdClusters: [
        { name: 'main', etcdMembers: [{ name: 'a', instanceGroup: 'control-plane-local-a' }] },
        { name: 'events', etcdMembers: [{ name: 'a', instanceGroup: 'control-plane-local-a' }] },
      ],
    });
    expect(spec.instanceGroups.map((ig) => [ig.metadata.name, ig.spec.role, ig.spec.minSize, ig.spec.subnets])).toEqual([
      ['control-plane-local-a', 'ControlPlane', 1, ['local-a']],
      ['nodes-local-a', 'Node', 2, ['local-a']],
    ]);
  });

  it('spreads nodes over zones and writes utility subnets for a private topology', () => {
    const spec = newClusterSpec({ name: 'demo.example.com', cloud: 'aws', zones: ZONES.aws, nodeCount: 5, topology: 'private', nodeSize: 'm5.large' }, SPEC_RULES);
    expect(spec.instanceGroups.filter((ig) => ig.spec.role === 'Node').map((ig) => [ig.metadata.name, ig.spec.minSize, ig.spec.machineType])).toEqual([
      ['nodes-us-east-1a', 2, 'm5.large'],
      ['nodes-us-east-1b', 2, 'm5.large'],
      ['nodes-us-east-1c', 1, 'm5.large'],
    ]);
    expect(spec.cluster.spec.subnets.map((s) => `${s.name}=${s.type}:${s.cidr}`)).toEqual([
      'us-east-1a=Private:172.20.32.0/19',
      'us-east-1b=Private:172.20.64.0/19',
      'us-east-1c=Private:172.20.96.0/19',
      'utility-us-east-1a=Utility:172.20.4.0/22',
      'utility-us-east-1b=Utility:172.20.8.0/22',
      'utility-us-east-1c=Utility:172.20.12.0/22',
    ]);
  });

  it('uses one regional subnet on gce and lists zones on the groups', () => {
    const spec = newClusterSpec({ name: 'g.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'p' }, SPEC_RULES);
    expect(spec.cluster.spec.subnets).toEqual([{ name: 'us-central1', region: 'us-central1', type: 'Public', cidr: '10.0.32.0/19' }]);
    expect(spec.instanceGroups[0]?.spec.zones).toEqual(['us-central1-a']);
  });

  it('names the flag of every problem', () => {
    expect(flagPaths({ name: '../x', cloud: 'aws', controlPlaneCount: 2, nodeCount: -1, kubernetesVersion: '1.20.0', networkCIDR: '10.0.0.1/16' })).toEqual([
      '--name',
      '--zones',
      '--control-plane-count',
      '--node-count',
      '--kubernetes-version',
      '--network-cidr',
    ]);
    expect(flagPaths({ name: 'a.example.com', cloud: 'gce', zones: ['us-central1-a', 'europe-west1-b'] })).toEqual(['--zones', '--project']);
    expect(flagPaths({ name: 'a.example.com', cloud: 'aws', zones: ['us-east-1'] })).toEqual(['--zones']);
    expect(flagPaths({ name: 'a.example.com', cloud: 'aws', zones: ['us-east-1a'], controlPlaneZones: ['us-east-1b'] })).toEqual(['--control-plane-zones']);
  });

  it('refuses a network too small for the subnets, as a spec problem', () => {
    expect(flagPaths({ name: 'a.example.com', cloud: 'aws', zones: ZONES.aws, networkCIDR: '172.20.0.0/29' })).toContain('spec.networkCIDR');
  });
});
