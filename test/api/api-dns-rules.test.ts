/**
 * The API's DNS names on AWS and GCE are records in the cluster's DNS zone. `create cluster`
 * without --dns-zone makes `topology.dns.type: None`; a spec with Public or Private DNS and no
 * zone is accepted, as kops accepts it, and its zone is found in the cloud when it is planned:
 * the longest zone name that ends the cluster's name (`longestZone`, which both clouds' lookups
 * use), with a clear error for none or two. A kops gossip cluster (`*.k8s.local`) imports as
 * None; another kops cluster without a zone imports as it is. The local cloud names its API itself.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, parseSpecSet, validateSpecSet } from '../../src/api/index.js';
import type { Cluster } from '../../src/api/index.js';
import { longestZone, dnsZoneNotice } from '../../src/api/api-dns.js';
import { HoistError } from '../../src/errors.js';
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
  it('is accepted with Public or Private DNS, with a notice that update cluster finds the zone', () => {
    for (const [c, igs] of [
      [withoutZone(cluster()), groups()],
      [withoutZone(gce(cluster())), gceGroups()],
    ] as const) {
      for (const type of ['Public', 'Private'] as const) {
        const typed = { ...c, spec: { ...c.spec, topology: { dns: { type } } } };
        expect(problems(typed, [...igs])).toEqual([]);
        expect(dnsZoneNotice(typed)).toMatch(new RegExp(`names no spec.dnsZone: update cluster finds its ${type.toLowerCase()} DNS zone in the cloud`));
      }
      expect(dnsZoneNotice(c)).toContain('public DNS zone');
      expect(dnsZoneNotice({ ...c, spec: { ...c.spec, topology: { dns: { type: 'None' } } } })).toBeUndefined();
      expect(dnsZoneNotice({ ...c, spec: { ...c.spec, dnsZone: 'example.com' } })).toBeUndefined();
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
  it('keeps the DNS type of a cluster kops would find a zone for, and names no zone', () => {
    for (const file of ['minimal-aws.yaml', 'minimal_gce.yaml']) {
      const set = parseSpecSet(kops(file), file, SPEC_RULES);
      expect(set.cluster.spec.dnsZone, file).toBeUndefined();
      expect(set.cluster.spec.topology?.dns?.type ?? 'Public', file).toBe('Public');
      expect(set.documents.flatMap((d) => d.converted?.dropped ?? []).map((d) => d.path)).not.toContain('spec.topology.dns.type');
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

describe('the zone found for a cluster (longestZone)', () => {
  const search = (zones: string[], cluster = 'a.sub.example.com') => ({
    cluster,
    zones,
    name: (z: string) => z.replace(/#.*/, ''),
    id: (z: string) => z,
    looked: 'public test zone',
    create: (name: string) => `make-zone ${name}`,
  });

  it('is the longest zone name that is the name of the cluster or ends it, on a label boundary', () => {
    expect(longestZone(search(['example.com.', 'sub.example.com.', 'other.com', 'b.sub.example.com']))).toBe('sub.example.com.');
    expect(longestZone(search(['example.com', 'A.Sub.Example.COM.']))).toBe('A.Sub.Example.COM.');
    // "b.example.com" is not a suffix of "ab.example.com" by labels.
    expect(longestZone(search(['example.com', 'b.example.com'], 'ab.example.com'))).toBe('example.com');
  });

  it('is an error naming the cluster, what was looked for and the fixes when no zone holds it', () => {
    const thrown = (() => {
      try {
        longestZone(search(['other.com', 'b.sub.example.com']));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(HoistError);
    const e = thrown as HoistError;
    expect(e.code).toBe('NOT_FOUND');
    expect(e.path).toBe('spec.dnsZone');
    expect(e.message).toBe('no public test zone holds the names of a.sub.example.com (spec.dnsZone is not set, so hoist looked for a zone named a.sub.example.com or a suffix of it)');
    expect(e.hint).toMatch(/^create the zone \(e\.g\. make-zone sub\.example\.com\), or set spec\.dnsZone to a zone that holds a\.sub\.example\.com, or set spec\.topology\.dns\.type to None/);
  });

  it('is an error naming both when two zones of the longest name hold it', () => {
    expect(() => longestZone(search(['example.com', 'sub.example.com#1', 'sub.example.com.#2']))).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', path: 'spec.dnsZone', message: expect.stringContaining('2 public test zones named sub.example.com hold the names of a.sub.example.com (sub.example.com#1, sub.example.com.#2)') }),
    );
  });
});
