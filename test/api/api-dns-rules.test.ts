/**
 * The API's DNS names on AWS and GCE are records in the cluster's dnsZone: a cluster there has a
 * zone or uses no DNS (`topology.dns.type: None`). `create cluster` without --dns-zone makes
 * None; a spec with Public or Private DNS and no zone is refused by the cloud's rules with the
 * field path, value and fix; a kops gossip cluster (`*.k8s.local`) imports as None, and another
 * kops cluster without a zone is refused with the fix. The local cloud names its API itself.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, parseSpecSet, validateSpecSet } from '../../src/api/index.js';
import type { Cluster } from '../../src/api/index.js';
import { ValidationError } from '../../src/errors.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { cluster, groups } from './fixtures.js';

const kops = (file: string) => readFileSync(join(import.meta.dirname, '../fixtures/kops-specs', file), 'utf8');
const withoutZone = (c: Cluster): Cluster => {
  const { dnsZone: _zone, ...spec } = c.spec;
  return { ...c, spec };
};
const gce = (c: Cluster): Cluster => ({ ...c, spec: { ...c.spec, cloudProvider: 'gce', project: 'p', networkCIDR: '10.0.0.0/16', subnets: [{ name: 'r', region: 'us-central1', type: 'Public' }] } });
const gceGroups = () => groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['r'], zones: ['us-central1-a'] } }));
const problems = (c: Cluster, igs = groups()) => validateSpecSet(c, igs, specRulesOf(c.spec.cloudProvider));

describe('a cluster without dnsZone on AWS and GCE', () => {
  it('is refused with Public or Private DNS, naming the field, the value and both fixes', () => {
    for (const [c, igs, zone] of [
      [withoutZone(cluster()), groups(), 'Route 53 hosted zone'],
      [withoutZone(gce(cluster())), gceGroups(), 'Cloud DNS managed zone'],
    ] as const) {
      for (const type of ['Public', 'Private'] as const) {
        const found = problems({ ...c, spec: { ...c.spec, topology: { dns: { type } } } }, [...igs]);
        expect(found).toEqual([
          expect.objectContaining({
            path: 'spec.topology.dns.type',
            value: type,
            message: expect.stringContaining('needs spec.dnsZone'),
            fix: expect.stringMatching(new RegExp(`${zone}.*spec.topology.dns.type to None`)),
          }),
        ]);
      }
      expect(problems({ ...c, spec: { ...c.spec, topology: { dns: { type: 'None' } } } }, [...igs])).toEqual([]);
      expect(problems({ ...c, spec: { ...c.spec, dnsZone: 'example.com' } }, [...igs])).toEqual([]);
    }
  });

  it('is a rule of AWS and GCE only: the local cloud gives its API an address', () => {
    const local = withoutZone(cluster({ cloudProvider: 'local', networkCIDR: '127.32.0.0/16', subnets: [{ name: 'a', zone: 'local-a', type: 'Public' }] }));
    expect(problems(local, groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['a'] } })))).toEqual([]);
  });

  it('is what create cluster makes with no --dns-zone: topology.dns.type None and a public API load balancer', () => {
    for (const opts of [
      { cloud: 'aws' as const, zones: ['us-east-1a'] },
      { cloud: 'gce' as const, zones: ['us-central1-a'], project: 'p' },
    ]) {
      const made = newClusterSpec({ name: `new.${opts.cloud}.example.com`, ...opts }, SPEC_RULES);
      expect(made.cluster.spec.topology?.dns).toEqual({ type: 'None' });
      expect(made.cluster.spec.dnsZone).toBeUndefined();
      expect(completeSpec(made.cluster, made.instanceGroups).cluster.spec.api.loadBalancer).toEqual({ type: 'Public' });
      const zoned = newClusterSpec({ name: `zoned.${opts.cloud}.example.com`, ...opts, dnsZone: 'example.com' }, SPEC_RULES);
      expect(zoned.cluster.spec.topology?.dns).toBeUndefined();
      expect(zoned.cluster.spec.dnsZone).toBe('example.com');
    }
    const local = newClusterSpec({ name: 'new.local.example.com', cloud: 'local' }, SPEC_RULES);
    expect(local.cluster.spec.topology?.dns).toBeUndefined();
  });
});

describe('the kops import of a cluster without dnsZone', () => {
  it('refuses a cluster kops would find a zone for, with the fix', () => {
    for (const file of ['minimal-aws.yaml', 'minimal_gce.yaml']) {
      let thrown: unknown;
      try {
        parseSpecSet(kops(file), file, SPEC_RULES);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, file).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).problems).toEqual([expect.objectContaining({ path: 'spec.topology.dns.type', fix: expect.stringContaining('set spec.dnsZone to') })]);
    }
  });

  it('imports a gossip cluster (*.k8s.local) as topology.dns.type None, reported', () => {
    for (const [file, name] of [['minimal-aws.yaml', 'minimal-aws.example.com'], ['minimal_gce.yaml', 'minimal-gce.example.com']] as const) {
      const gossip = kops(file).replaceAll(name, 'gossip.k8s.local');
      const set = parseSpecSet(gossip, file, SPEC_RULES);
      expect(set.cluster.spec.topology?.dns).toEqual({ type: 'None' });
      expect(set.cluster.spec.dnsZone).toBeUndefined();
      const dropped = set.documents.flatMap((d) => d.converted?.dropped ?? []);
      expect(dropped).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'spec.topology.dns.type', reason: expect.stringContaining('gossip') })]));
    }
  });
});
