/**
 * The settled spec: what model builders read instead of defaulting. Every valid spec set settles;
 * a spec that skipped validation and lacks what validation makes sure of is refused with the
 * field path, value and fix, as validation refuses it.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, validateSpecSet } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { ValidationError } from '../../src/errors.js';

interface SpecSet {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
}

function gceSpec(zones = ['us-central1-a', 'us-central1-b', 'us-central1-c'], controlPlaneCount = 3): SpecSet {
  return newClusterSpec({ name: 'settled.example.com', cloud: 'gce', zones, controlPlaneCount, project: 'hoist-test', kubernetesVersion: '1.34.0' });
}

function refused(s: SpecSet): ValidationError {
  try {
    settleSpec(completeSpec(s.cluster, s.instanceGroups));
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('settleSpec accepted the spec');
}

const withGroup = (s: SpecSet, name: string, change: (ig: InstanceGroup) => InstanceGroup): SpecSet => ({
  ...s,
  instanceGroups: s.instanceGroups.map((ig) => (ig.metadata.name === name ? change(ig) : ig)),
});

describe('settleSpec', () => {
  it('settles a valid spec set: region, pod range, subnet ranges, group subnets and zones, and etcd members placed in their group\'s zone', () => {
    const s = gceSpec();
    expect(validateSpecSet(s.cluster, s.instanceGroups)).toEqual([]);
    const settled = settleSpec(completeSpec(s.cluster, s.instanceGroups));
    expect(settled.cluster.spec.region).toBe('us-central1');
    expect(settled.cluster.spec.podCIDR).toBe('100.96.0.0/11');
    for (const subnet of settled.cluster.spec.subnets) expect(subnet.id ?? subnet.cidr).toMatch(/\//);
    expect(settled.instanceGroups.map((ig) => ig.metadata.name)).toEqual(s.instanceGroups.map((ig) => ig.metadata.name));
    for (const ig of settled.instanceGroups) {
      expect(ig.spec.subnets.length).toBeGreaterThan(0);
      expect(ig.spec.zones.length).toBeGreaterThan(0);
    }
    const members = settled.cluster.spec.etcdClusters.flatMap((c) => c.etcdMembers);
    expect(members.length).toBe(6);
    for (const m of members) {
      const ig = settled.instanceGroups.find((g) => g.metadata.name === m.instanceGroup);
      expect(m.zone).toBe(ig?.spec.zones[0]);
      // Defaults from src/api: the completed type says they are always set.
      expect(m.volumeSize).toBe(20);
      expect(m.volumeType).toBe('pd-ssd');
    }
  });

  it('does not change its input', () => {
    const completed = completeSpec(gceSpec().cluster, gceSpec().instanceGroups);
    const before = structuredClone(completed);
    settleSpec(completed);
    expect(completed).toEqual(before);
  });

  it('refuses a group whose subnet is not the cluster\'s, with path, value and fix', () => {
    const s = gceSpec();
    const name = s.instanceGroups[0]!.metadata.name;
    const e = refused(withGroup(s, name, (ig) => ({ ...ig, spec: { ...ig.spec, subnets: ['us-central1-x'] } })));
    expect(e.code).toBe('INVALID_SPEC');
    expect(e.user).toBe(true);
    expect(e.problems).toEqual([
      { path: `InstanceGroup/${name}:spec.subnets[0]`, value: 'us-central1-x', message: 'is not a subnet of the cluster', fix: expect.stringContaining('us-central1') as unknown },
    ]);
    expect(e.message).toContain(`InstanceGroup/${name}:spec.subnets[0]: "us-central1-x" is not a subnet of the cluster (name one or more of the cluster's subnets:`);
  });

  it('refuses a group with no subnets, and a spec whose region no subnet gives', () => {
    const s = gceSpec();
    const name = s.instanceGroups[0]!.metadata.name;
    const noSubnets = refused(withGroup(s, name, (ig) => ({ ...ig, spec: { ...ig.spec, subnets: [], zones: ['us-central1-a'] } })));
    expect(noSubnets.problems.map((p) => p.path)).toEqual([`InstanceGroup/${name}:spec.subnets`]);
    const placeless: SpecSet = { ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, subnets: s.cluster.spec.subnets.map(({ region: _region, ...rest }) => rest) } } };
    const noRegion = refused(placeless);
    expect(noRegion.problems.map((p) => p.path)).toContain('spec.region');
    expect(noRegion.problems.find((p) => p.path === 'spec.region')?.fix).toBe('set spec.region, or a zone on each subnet');
  });

  it('refuses a subnet with no range and a nonMasqueradeCIDR that cannot hold the pod range', () => {
    const s = gceSpec(['us-central1-a'], 1);
    const full: SpecSet = { ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, networkCIDR: '10.0.0.0/30', nonMasqueradeCIDR: 'fd00::/8' } } };
    const e = refused({ ...full, cluster: { ...full.cluster, spec: { ...full.cluster.spec, subnets: [...s.cluster.spec.subnets, { name: 'extra', zone: 'us-central1-a', type: 'Public' }] } } });
    expect(e.problems.map((p) => p.path)).toEqual(['spec.nonMasqueradeCIDR', 'spec.subnets[1].cidr']);
    expect(e.problems[0]?.value).toBe('fd00::/8');
  });

  it('refuses an etcd member whose group does not exist', () => {
    const s = gceSpec(['us-central1-a'], 1);
    const etcdClusters = [{ name: 'main', etcdMembers: [{ name: 'a', instanceGroup: 'control-plane-gone' }] }];
    const e = refused({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, etcdClusters } } });
    expect(e.problems).toEqual([{ path: 'spec.etcdClusters[0].etcdMembers[0].instanceGroup', value: 'control-plane-gone', message: 'is not an InstanceGroup of the cluster', fix: 'name a control-plane InstanceGroup' }]);
  });

  it('never refuses what validation accepts, and what it refuses validation refuses too', () => {
    const s = gceSpec();
    const subnetNames = s.cluster.spec.subnets.map((x) => x.name);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...subnetNames, 'nowhere'), { maxLength: 2 }),
        fc.option(fc.constantFrom('10.0.0.0/16', '10.0.0.0/28', '10.0.0.0/30'), { nil: undefined }),
        fc.boolean(),
        (subnets, networkCIDR, dropRegions) => {
          const name = s.instanceGroups[0]!.metadata.name;
          const changed = withGroup(s, name, (ig) => ({ ...ig, spec: { ...ig.spec, subnets } }));
          const cluster: Cluster = {
            ...s.cluster,
            spec: {
              ...s.cluster.spec,
              ...(networkCIDR === undefined ? {} : { networkCIDR }),
              subnets: dropRegions ? s.cluster.spec.subnets.map(({ region: _region, ...rest }) => rest) : s.cluster.spec.subnets,
            },
          };
          const valid = validateSpecSet(cluster, changed.instanceGroups).length === 0;
          let settled = true;
          try {
            settleSpec(completeSpec(cluster, changed.instanceGroups));
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
            settled = false;
          }
          if (valid) expect(settled).toBe(true);
          if (!settled) expect(valid).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
