/**
 * spec.warmPool of the Cluster and of InstanceGroups without a cloud: kops's resolution (the
 * Cluster's default merged into Node and APIServer groups, maxSize 0 turning it off), kops's
 * rules at their paths with the fix, the refusal on gce and local by the cloud's rules, and the
 * kops import keeping both.
 */

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../src/api/index.js';
import type { ClusterSpec, InstanceGroupSpec } from '../../src/api/index.js';
import { warmPoolOf, warmPoolProblems } from '../../src/api/warm-pool.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { CLUSTER_NAME, cluster, group, groups, validate } from './fixtures.js';
import { migrationTable } from './kops-migration-table.js';

type Pool = NonNullable<ClusterSpec['warmPool']>;
const node = (warmPool?: Pool, spec: Partial<InstanceGroupSpec> = {}) => group('nodes', { ...(warmPool === undefined ? {} : { warmPool }), ...spec });
const warmProblems = (c: ReturnType<typeof cluster>, igs = groups()) => validate(c, igs).filter((p) => p.path.includes('warmPool'));

describe('warmPool resolution', () => {
  it('gives a Node group the Cluster\'s warm pool and merges its own over it, field by field, as kops', () => {
    expect(warmPoolOf({}, { spec: { role: 'Node' } })).toBeUndefined();
    expect(warmPoolOf({ warmPool: {} }, { spec: { role: 'Node' } })).toEqual({ minSize: 0, enableLifecycleHook: false });
    expect(warmPoolOf({ warmPool: { minSize: 1, maxSize: 5, enableLifecycleHook: true } }, { spec: { role: 'Node' } })).toEqual({ minSize: 1, maxSize: 5, enableLifecycleHook: true });
    expect(warmPoolOf({ warmPool: { minSize: 1, maxSize: 5 } }, { spec: { role: 'APIServer', warmPool: { maxSize: 3, enableLifecycleHook: true } } })).toEqual({ minSize: 1, maxSize: 3, enableLifecycleHook: true });
    expect(warmPoolOf({}, { spec: { role: 'Node', warmPool: { minSize: 2 } } })).toEqual({ minSize: 2, enableLifecycleHook: false });
  });

  it('leaves out ControlPlane and Bastion groups, and turns off at maxSize 0', () => {
    expect(warmPoolOf({ warmPool: { minSize: 1 } }, { spec: { role: 'ControlPlane' } })).toBeUndefined();
    expect(warmPoolOf({ warmPool: { minSize: 1 } }, { spec: { role: 'Bastion' } })).toBeUndefined();
    expect(warmPoolOf({ warmPool: { minSize: 1 } }, { spec: { role: 'Node', warmPool: { maxSize: 0 } } })).toBeUndefined();
    expect(warmPoolOf({ warmPool: { maxSize: 0 } }, { spec: { role: 'Node' } })).toBeUndefined();
  });
});

describe('warmPool validation', () => {
  it('accepts kops\'s warm pools on aws', () => {
    expect(SPEC_RULES.aws.warmPool).toBe(true);
    expect(warmProblems(cluster({ warmPool: { minSize: 1, maxSize: 4, enableLifecycleHook: true } }))).toEqual([]);
    expect(warmProblems(cluster(), [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node({ minSize: 2 })])).toEqual([]);
    // The Cluster's default does not reach the spot group that opts out.
    expect(warmProblems(cluster({ warmPool: {} }), [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node({ maxSize: 0 }, { maxPrice: '0.05' })])).toEqual([]);
  });

  it('refuses maxSize below minSize at the field that sets it, with the fix', () => {
    expect(warmProblems(cluster({ warmPool: { minSize: 3, maxSize: 2 } }))).toEqual([
      { path: 'spec.warmPool.maxSize', value: 2, message: 'warm pool maxSize (2) cannot be lower than minSize (3)', fix: 'set maxSize to at least 3, or lower minSize' },
    ]);
    expect(warmProblems(cluster({ warmPool: { maxSize: 2 } }), [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node({ minSize: 4 })])).toEqual([
      expect.objectContaining({ path: 'InstanceGroup/nodes:spec.warmPool.minSize', value: 4 }),
    ]);
  });

  it('refuses the schema\'s negatives at their paths', () => {
    const parsed = (pool: string) => parseSpecText(`apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${CLUSTER_NAME}}\nspec: {cloudProvider: aws, kubernetesVersion: 1.34.0, subnets: [], warmPool: ${pool}}\n`, 'c.yaml', SPEC_RULES);
    expect(() => parsed('{minSize: -1}')).toThrow(/spec\.warmPool\.minSize/);
    expect(() => parsed('{maxSize: -1}')).toThrow(/spec\.warmPool\.maxSize/);
    expect(() => parsed('{enableLifecycleHook: sometimes}')).toThrow(/spec\.warmPool\.enableLifecycleHook/);
    expect(() => parsed('{poolState: Running}')).toThrow(/spec\.warmPool\.poolState/);
  });

  it('refuses a warm pool of a ControlPlane group, and with spot or a mixed instances policy, as kops', () => {
    const cp = group('control-plane-us-east-1a', { role: 'ControlPlane', warmPool: { minSize: 1 } });
    expect(warmProblems(cluster(), [cp, node()])).toEqual([
      { path: 'InstanceGroup/control-plane-us-east-1a:spec.warmPool', value: { minSize: 1 }, message: 'is only for groups of role Node or APIServer (as kops); this one is ControlPlane', fix: 'remove spec.warmPool from this group' },
    ]);
    const spot = warmProblems(cluster(), [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node(undefined, { maxPrice: '0.05' })]);
    expect(spot).toEqual([]);
    const own = warmProblems(cluster(), [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node({ minSize: 1 }, { maxPrice: '0.05' })]);
    expect(own).toEqual([expect.objectContaining({ path: 'InstanceGroup/nodes:spec.warmPool', message: expect.stringContaining('cannot hold spot instances (spec.maxPrice)'), fix: 'remove spec.warmPool, or remove spec.maxPrice' })]);
    const inherited = warmProblems(cluster({ warmPool: { minSize: 1 } }), [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node(undefined, { mixedInstancesPolicy: { instances: ['m5.large', 'm5a.large'] } })]);
    expect(inherited).toEqual([
      expect.objectContaining({
        path: 'InstanceGroup/nodes:spec.warmPool',
        message: expect.stringMatching(/^the Cluster's spec\.warmPool applies to this group: a warm pool cannot be combined with a mixed instances policy/),
        fix: expect.stringContaining('set this group\'s spec.warmPool.maxSize to 0'),
      }),
    ]);
  });

  it('is refused on gce and local by the cloud\'s rules, at the Cluster\'s and the groups\' paths', () => {
    expect(SPEC_RULES.gce.warmPool).toBeUndefined();
    expect(SPEC_RULES.local.warmPool).toBeUndefined();
    const gce = cluster({ cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east-1a', region: 'us-central1', type: 'Public' }], warmPool: { minSize: 1 } });
    expect(warmProblems(gce, [group('control-plane-us-east-1a', { role: 'ControlPlane', zones: ['us-central1-a'] }), group('nodes', { zones: ['us-central1-a'], warmPool: {} })])).toEqual([
      { path: 'spec.warmPool', value: { minSize: 1 }, message: expect.stringMatching(/^is not supported on gce: Auto Scaling warm pools are an AWS feature/), fix: 'remove warmPool' },
      { path: 'InstanceGroup/nodes:spec.warmPool', value: {}, message: expect.stringMatching(/^is not supported on gce/), fix: 'remove warmPool' },
    ]);
    const local = cluster({ cloudProvider: 'local', networkCIDR: '127.20.0.0/16', dnsZone: undefined, subnets: [{ name: 'us-east-1a', zone: 'local-a', type: 'Public' }] });
    expect(warmProblems(local, [group('control-plane-us-east-1a', { role: 'ControlPlane' }), node({ maxSize: 2 })])).toEqual([
      { path: 'InstanceGroup/nodes:spec.warmPool', value: { maxSize: 2 }, message: expect.stringMatching(/^is not supported on local/), fix: 'remove warmPool' },
    ]);
  });
});

describe('warmPool on arbitrary specs', () => {
  const pool = fc.option(fc.record({ minSize: fc.option(fc.nat(6), { nil: undefined }), maxSize: fc.option(fc.nat(6), { nil: undefined }), enableLifecycleHook: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined });
  const ig = fc.record({
    role: fc.constantFrom('ControlPlane', 'APIServer', 'Node', 'Bastion'),
    warmPool: pool,
    maxPrice: fc.option(fc.constant('0.05'), { nil: undefined }),
    mixed: fc.boolean(),
  });
  it('resolves within kops\'s bounds, and refuses only with a warmPool path, a message and a fix, never throwing', () => {
    fc.assert(
      fc.property(pool, fc.array(ig, { maxLength: 4 }), fc.boolean(), (clusterPool, groups, warmPool) => {
        const igs = groups.map((g, i) => ({
          metadata: { name: `g${i}` },
          spec: { role: g.role, subnets: [], ...(g.warmPool === undefined ? {} : { warmPool: g.warmPool }), ...(g.maxPrice === undefined ? {} : { maxPrice: g.maxPrice }), ...(g.mixed ? { mixedInstancesPolicy: {} } : {}) },
        }));
        const spec = { cloudProvider: 'aws' as const, ...(clusterPool === undefined ? {} : { warmPool: clusterPool }) };
        for (const g of igs) {
          const resolved = warmPoolOf(spec, g);
          if (resolved === undefined) continue;
          expect(resolved.minSize).toBeGreaterThanOrEqual(0);
          expect(resolved.maxSize).not.toBe(0);
          if (g.spec.role === 'ControlPlane' || g.spec.role === 'Bastion') expect(g.spec.warmPool).toBeDefined();
        }
        const problems = warmPoolProblems(spec, igs, { warmPool });
        for (const p of problems) {
          expect(p.path).toMatch(/spec\.warmPool/);
          expect(p.message.length).toBeGreaterThan(0);
          expect(p.fix?.length ?? 0).toBeGreaterThan(0);
        }
        // Off aws, exactly the written fields are refused.
        if (!warmPool) expect(problems.length).toBe((clusterPool === undefined ? 0 : 1) + igs.filter((g) => g.spec.warmPool !== undefined).length);
      }),
    );
  });
});

describe('the kops import', () => {
  it('keeps the Cluster\'s and the group\'s warmPool, dropping nothing, as the migration table says', () => {
    const text = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata: {name: warm.example.com}
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.0
  dnsZone: example.com
  subnets:
  - {name: us-east-1a, zone: us-east-1a, type: Public, cidr: 172.20.32.0/19}
  warmPool: {minSize: 1, maxSize: 5, enableLifecycleHook: true}
---
apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata: {name: nodes, labels: {kops.k8s.io/cluster: warm.example.com}}
spec: {role: Node, subnets: [us-east-1a], warmPool: {maxSize: 3}}
`;
    const [c, ig] = parseSpecText(text, 'kops.yaml', SPEC_RULES);
    expect((c?.object.spec as ClusterSpec).warmPool).toEqual({ minSize: 1, maxSize: 5, enableLifecycleHook: true });
    expect((ig?.object.spec as InstanceGroupSpec).warmPool).toEqual({ maxSize: 3 });
    expect(c?.converted?.dropped).toEqual([]);
    expect(ig?.converted?.dropped).toEqual([]);
    const docs = readFileSync(new URL('../../docs/kops-migration.md', import.meta.url), 'utf8');
    expect(migrationTable(docs, 'ClusterSpec fields').find((r) => r.kops === 'warmPool')?.status).toBe('same');
    expect(migrationTable(docs, 'InstanceGroupSpec fields').find((r) => r.kops === 'warmPool')?.status).toBe('same');
  });
});
