/**
 * The settled spec: what model builders read instead of defaulting. Every valid spec set settles;
 * a spec that skipped validation and lacks what validation makes sure of is refused with the
 * field path, value and fix, as validation refuses it.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { ValidationError } from '../../src/errors.js';
import { validate } from './fixtures.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';

interface SpecSet {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
}

function gceSpec(zones = ['us-central1-a', 'us-central1-b', 'us-central1-c'], controlPlaneCount = 3): SpecSet {
  return newClusterSpec({ name: 'settled.example.com', cloud: 'gce', zones, controlPlaneCount, project: 'hoist-test', kubernetesVersion: '1.34.0' }, SPEC_RULES);
}

function refused(s: SpecSet): ValidationError {
  try {
    settleSpec(completeSpec(s.cluster, s.instanceGroups), specRulesOf('gce'));
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
    expect(validate(s.cluster, s.instanceGroups)).toEqual([]);
    const settled = settleSpec(completeSpec(s.cluster, s.instanceGroups), specRulesOf('gce'));
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
    settleSpec(completed, specRulesOf('gce'));
    expect(completed).toEqual(before);
  });

  it('refuses a group whose subnet is not the cluster\'s with validation\'s own problems: path, value and fix', () => {
    const s = gceSpec();
    const name = s.instanceGroups[0]!.metadata.name;
    const broken = withGroup(s, name, (ig) => ({ ...ig, spec: { ...ig.spec, subnets: ['us-central2'] } }));
    const e = refused(broken);
    expect(e.code).toBe('INVALID_SPEC');
    expect(e.user).toBe(true);
    expect(e.problems).toEqual(validate(broken.cluster, broken.instanceGroups));
    expect(e.problems).toEqual([{ path: `InstanceGroup/${name}:spec.subnets[0]`, value: 'us-central2', message: 'is not a subnet of the cluster', fix: 'did you mean us-central1?' }]);
    expect(e.message).toBe(`cluster settled.example.com has 1 problem:\n  - InstanceGroup/${name}:spec.subnets[0]: "us-central2" is not a subnet of the cluster (did you mean us-central1?)`);
  });

  /** Specs that completion cannot settle, each refused with what validation says of it. */
  const unsettled: [string, (s: SpecSet) => SpecSet, string][] = [
    ['a group with no subnets', (s) => withGroup(s, s.instanceGroups[0]!.metadata.name, (ig) => ({ ...ig, spec: { ...ig.spec, subnets: [] } })), ':spec.subnets'],
    ['subnets with no zone or region (no region for the cluster)', (s) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, subnets: s.cluster.spec.subnets.map(({ region: _region, ...rest }) => rest) } } }), 'spec.subnets[0].zone'],
    ['a nonMasqueradeCIDR that cannot hold the pod range', (s) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, nonMasqueradeCIDR: 'fd00::/8' } } }), 'spec.nonMasqueradeCIDR'],
    [
      'a subnet with no room left for its range',
      (s) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, subnets: [...s.cluster.spec.subnets, { name: 'extra', region: 'us-central1', type: 'Public' as const }], networkCIDR: '10.0.0.0/30' } } }),
      'spec.subnets[1].cidr',
    ],
    [
      'an etcd member whose group does not exist',
      (s) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, etcdClusters: [{ name: 'main', etcdMembers: [{ name: 'a', instanceGroup: 'control-plane-gone' }] }] } } }),
      'spec.etcdClusters[0].etcdMembers[0].instanceGroup',
    ],
  ];
  for (const [what, change, path] of unsettled) {
    it(`refuses ${what}`, () => {
      const broken = change(gceSpec(['us-central1-a'], 1));
      const e = refused(broken);
      expect(e.problems).toEqual(validate(broken.cluster, broken.instanceGroups));
      expect(e.problems.some((p) => p.path.endsWith(path) && p.fix !== undefined)).toBe(true);
    });
  }

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
          const valid = validate(cluster, changed.instanceGroups).length === 0;
          let settled = true;
          try {
            settleSpec(completeSpec(cluster, changed.instanceGroups), specRulesOf('gce'));
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
