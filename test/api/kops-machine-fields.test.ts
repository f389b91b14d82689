/**
 * The kops fields of a machine's OS and network that hoist now carries: a kops spec (kops's
 * minimal-aws case) with a pre-release version, the Amazon VPC CNI with nonMasqueradeCIDR equal
 * to networkCIDR, ntp, updatePolicy and a group's volumes with volumeMounts converts with nothing
 * of them dropped, and validates; on gce the mounts are dropped, reported.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, parseSpecSet, parseSpecText } from '../../src/api/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { validate } from './fixtures.js';

const minimal = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8');

const kops = withDnsZone(minimal)
  .replace('kubernetesVersion: v1.34.0', 'kubernetesVersion: v1.36.0-rc.1\n  ntp:\n    managed: true\n  updatePolicy: external')
  .replace('networking:\n    cni: {}', 'networking:\n    amazonvpc: {}')
  .replace('nonMasqueradeCIDR: 100.64.0.0/10', 'nonMasqueradeCIDR: 172.20.0.0/16')
  .replace(
    '  maxInstanceLifetime: 48h20m\n',
    '  maxInstanceLifetime: 48h20m\n  updatePolicy: automatic\n  volumes:\n  - device: /dev/xvdd\n    size: 20\n    type: gp3\n  volumeMounts:\n  - device: /dev/xvdd\n    filesystem: xfs\n    path: /var/lib/data\n    mountOptions: [noatime]\n',
  );

describe('kops import of ntp, updatePolicy, volumeMounts, a pre-release and VPC-routed pods', () => {
  it('keeps them all and validates', () => {
    expect(kops).toContain('volumeMounts'); // the replacements above found their lines
    const docs = parseSpecText(kops, 'kops.yaml', SPEC_RULES);
    const dropped = docs.flatMap((d) => (d.converted?.dropped ?? []).map((x) => x.path));
    expect(dropped.filter((p) => /ntp|updatePolicy|volume|kubernetesVersion|nonMasquerade|networking/.test(p))).toEqual([]);

    const set = parseSpecSet(kops, 'kops.yaml', SPEC_RULES);
    expect(set.cluster.spec).toMatchObject({ kubernetesVersion: 'v1.36.0-rc.1', ntp: { managed: true }, updatePolicy: 'external', networking: { amazonvpc: {} }, nonMasqueradeCIDR: '172.20.0.0/16' });
    expect(set.instanceGroups.find((g) => g.metadata.name === 'nodes')?.spec).toMatchObject({
      updatePolicy: 'automatic',
      volumeMounts: [{ device: '/dev/xvdd', filesystem: 'xfs', path: '/var/lib/data', mountOptions: ['noatime'] }],
    });
    const completed = completeSpec(set.cluster, set.instanceGroups);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
  });

  it('drops the mounts of a gce group, reported with the reason', () => {
    const gce = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal_gce.yaml'), 'utf8');
    const withMount = gce.replace(/(kind: InstanceGroup\n[\s\S]*?\nspec:\n)/, '$1  volumeMounts:\n  - device: /dev/sdb\n    path: /data\n');
    expect(withMount).toContain('volumeMounts');
    const docs = parseSpecText(withDnsZone(withMount), 'gce.yaml', SPEC_RULES);
    const dropped = docs.flatMap((d) => d.converted?.dropped ?? []).filter((d) => d.path === 'spec.volumeMounts');
    expect(dropped).toEqual([expect.objectContaining({ reason: 'hoist does not carry this field on gce' })]);
  });

  it('keeps role APIServer (hoist or kops), kops\'s role for machines that run only the API server', () => {
    const hoistGroup = 'apiVersion: hoist.dev/v1alpha1\nkind: InstanceGroup\nmetadata:\n  name: api\nspec:\n  role: APIServer\n  subnets: [a]\n';
    const kopsGroup = minimal.replace('  role: Node\n', '  role: APIServer\n');
    for (const text of [hoistGroup, kopsGroup]) {
      const groups = parseSpecText(text, 'groups.yaml', SPEC_RULES).filter((d) => d.kind === 'InstanceGroup');
      expect(groups.map((d) => d.object.spec.role)).toContain('APIServer');
      expect(groups.flatMap((d) => (d.converted?.dropped ?? []).map((x) => x.path))).not.toContain('spec.role');
    }
  });
});
