import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HoistError } from '../../src/errors.js';
import { ClusterSchema, completeSpec, InstanceGroupSchema, parseSpecText, toYaml, validateUpdate } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { cluster, groups, validate } from './fixtures.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

/** Parsing either succeeds or fails with a user error: never a crash, never an internal error. */
function parsesOrRefuses(text: string): void {
  try {
    parseSpecText(text, 'prop.yaml', SPEC_RULES);
  } catch (e) {
    if (!(e instanceof HoistError)) throw e;
    expect(['INVALID_YAML', 'INVALID_SPEC']).toContain(e.code);
  }
}

const validText = [cluster(), ...groups()].map((o) => toYaml(o)).join('---\n');

describe('parseSpecText on arbitrary input', () => {
  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), parsesOrRefuses), { numRuns: 500 });
  });

  it('strings made of YAML punctuation', () => {
    const token = fc.constantFrom('a', ':', ' ', '\n', '-', '[', ']', '{', '}', '&x', '*x', '!!str', '"', "'", '#', '---', '?', '|', '>', '\t', '1', 'null');
    fc.assert(fc.property(fc.array(token, { maxLength: 80 }).map((t) => t.join('')), parsesOrRefuses), { numRuns: 500 });
  });

  it('arbitrary JSON-like values as YAML, with and without a hoist head', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), fc.constantFrom('Cluster', 'InstanceGroup'), (value, head, kind) => {
        const doc = head && typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ...value, apiVersion: 'hoist.dev/v1alpha1', kind }
          : value;
        parsesOrRefuses(stringify(doc));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid spec with one line replaced or removed', () => {
    const lines = validText.split('\n');
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.oneof(fc.constant(undefined), fc.string({ maxLength: 30 })), (i, replacement) => {
        const copy = [...lines];
        if (replacement === undefined) copy.splice(i, 1);
        else copy[i] = replacement;
        parsesOrRefuses(copy.join('\n'));
      }),
      { numRuns: 500 },
    );
  });
});

const name = fc.constantFrom('a', 'b', 'c', 'us-east-1a', 'Bad_Name', '../x', '');
const zone = fc.constantFrom('us-east-1a', 'us-east-1b', 'us-west-2a', 'us-central1-a', 'local-a', 'nozone');
const cidr = fc.constantFrom('172.20.0.0/16', '172.20.32.0/19', '172.20.48.0/20', '10.0.0.0/8', '10.0.0.1/16', '100.64.0.0/10', '127.20.0.0/16', '::/0', 'x', '0.0.0.0/0', '172.20.0.0/30');
const intOrPercent = fc.oneof(fc.nat(3), fc.constantFrom('0%', '25%', '100%', '150%'));
const rollingUpdate = fc.option(fc.record({ maxSurge: fc.option(intOrPercent, { nil: undefined }), maxUnavailable: fc.option(intOrPercent, { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined });

const clusterArb: fc.Arbitrary<Cluster> = fc
  .record({
    name: fc.constantFrom('demo.example.com', 'x', 'Bad', ''),
    cloudProvider: fc.constantFrom('aws', 'gce', 'local'),
    kubernetesVersion: fc.constantFrom('1.34.0', 'v1.30.1', '1.29.0', 'x'),
    networkCIDR: fc.option(cidr, { nil: undefined }),
    nonMasqueradeCIDR: fc.option(cidr, { nil: undefined }),
    project: fc.option(fc.constant('p'), { nil: undefined }),
    subnets: fc.array(
      fc.record({ name, zone: fc.option(zone, { nil: undefined }), region: fc.option(fc.constantFrom('us-central1', 'x'), { nil: undefined }), cidr: fc.option(cidr, { nil: undefined }), type: fc.constantFrom('Public', 'Private', 'Utility'), id: fc.option(fc.constant('subnet-1'), { nil: undefined }) }, { requiredKeys: ['name', 'type'] }),
      { maxLength: 9 },
    ),
    etcdClusters: fc.option(fc.array(fc.record({ name: fc.constantFrom('main', 'events', 'x'), etcdMembers: fc.array(fc.record({ name, instanceGroup: name }), { maxLength: 4 }) }), { maxLength: 3 }), { nil: undefined }),
    rollingUpdate,
    sshAccess: fc.option(fc.array(cidr, { maxLength: 3 }), { nil: undefined }),
  }, { requiredKeys: ['name', 'cloudProvider', 'kubernetesVersion', 'subnets'] })
  .map(({ name: n, ...spec }) => ClusterSchema.parse(JSON.parse(JSON.stringify({ apiVersion: 'hoist.dev/v1alpha1', kind: 'Cluster', metadata: { name: n }, spec }))));

const groupArb: fc.Arbitrary<InstanceGroup> = fc
  .record({
    name,
    role: fc.constantFrom('ControlPlane', 'Node', 'Bastion'),
    subnets: fc.array(name, { maxLength: 3 }),
    zones: fc.option(fc.array(zone, { maxLength: 2 }), { nil: undefined }),
    minSize: fc.option(fc.nat(5), { nil: undefined }),
    maxSize: fc.option(fc.nat(5), { nil: undefined }),
    rollingUpdate,
    taints: fc.option(fc.array(fc.constantFrom('a=b:NoSchedule', 'x', 'a:c'), { maxLength: 2 }), { nil: undefined }),
  }, { requiredKeys: ['name', 'role', 'subnets'] })
  .map(({ name: n, ...spec }) => InstanceGroupSchema.parse(JSON.parse(JSON.stringify({ apiVersion: 'hoist.dev/v1alpha1', kind: 'InstanceGroup', metadata: { name: n }, spec }))));

describe('defaults and validation on arbitrary schema-valid specs', () => {
  it('validation returns problems, never throws; every problem has a path, a message and a fix', () => {
    fc.assert(
      fc.property(clusterArb, fc.array(groupArb, { maxLength: 4 }), (c, igs) => {
        const problems = validate(c, igs);
        for (const p of problems) {
          expect(p.path).not.toBe('');
          expect(p.message).not.toBe('');
          expect(p.fix).toBeTruthy();
        }
        validateUpdate({ cluster: c, instanceGroups: igs }, { cluster: cluster(), instanceGroups: groups() });
      }),
      { numRuns: 400 },
    );
  });

  it('completeSpec is idempotent, keeps the schema, and does not change its input', () => {
    fc.assert(
      fc.property(clusterArb, fc.array(groupArb, { maxLength: 4 }), (c, igs) => {
        const before = structuredClone({ c, igs });
        const once = completeSpec(c, igs);
        expect({ c, igs }).toEqual(before);
        expect(completeSpec(once.cluster, once.instanceGroups)).toEqual(once);
        expect(ClusterSchema.safeParse(once.cluster).success).toBe(true);
        for (const ig of once.instanceGroups) expect(InstanceGroupSchema.safeParse(ig).success).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
