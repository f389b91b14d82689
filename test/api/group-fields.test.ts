/**
 * The InstanceGroup machine fields of kops (src/api/schema-group.ts): refused with their path,
 * value and a fix where they are wrong or where the cluster's cloud does not carry them, kept by
 * the kops import, and a GCE group's provisioning model in its instance template.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, parseSpecSet, parseSpecText } from '../../src/api/index.js';
import type { InstanceGroup, InstanceGroupSpec } from '../../src/api/index.js';
import { groupMachineSettings } from '../../src/api/defaults.js';
import { lifetimeSeconds } from '../../src/api/validate-group-fields.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { templateProperties } from '../../cloudup/gce/tasks/instance-template.js';
import type { InstanceTemplateFields } from '../../cloudup/gce/tasks/instance-template.js';
import { resolveFields } from '../../src/engine/diff.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, group, groups, validate } from './fixtures.js';

const kopsSpec = (file: string) => readFileSync(join(import.meta.dirname, '../fixtures/kops-specs', file), 'utf8');
const problemsOf = (spec: Partial<InstanceGroupSpec>, cloud: 'aws' | 'gce' | 'local' = 'aws') => {
  const c = cloud === 'aws' ? cluster() : cloud === 'gce' ? cluster({ cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east-1a', region: 'us-central1', type: 'Public' }] }) : cluster({ cloudProvider: 'local', networkCIDR: '127.20.0.0/16', dnsZone: undefined, subnets: [{ name: 'us-east-1a', zone: 'local-a', type: 'Public' }] });
  const zones = cloud === 'gce' ? { zones: ['us-central1-a'] } : cloud === 'local' ? { machineType: 'local.small' } : {};
  const igs = groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['us-east-1a'], ...zones } }));
  return validate(c, [...igs, group('extra', { ...zones, ...spec })]).filter((p) => p.path.startsWith('InstanceGroup/extra'));
};

describe('InstanceGroup machine fields', () => {
  it('are refused in the schema with the field, the value and the choices', () => {
    const yaml = `apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata: { name: nodes }
spec:
  role: Node
  subnets: [a]
  mixedInstancesPolicy: { spotAllocationStrategy: cheapest }
  instanceMetadata: { httpPutResponseHopLimit: 0, httpTokens: always }
  maxPrice: "five"
`;
    const error = (() => {
      try {
        parseSpecText(yaml, 'ig.yaml', SPEC_RULES);
      } catch (e) {
        return e as { problems: { path: string; message: string; fix?: string }[] };
      }
      return undefined;
    })();
    const byPath = Object.fromEntries((error?.problems ?? []).map((p) => [p.path, p]));
    expect(byPath['InstanceGroup/nodes:spec.mixedInstancesPolicy.spotAllocationStrategy']?.message).toBe('must be one of: lowest-price, capacity-optimized, capacity-optimized-prioritized, price-capacity-optimized');
    expect(byPath['InstanceGroup/nodes:spec.instanceMetadata.httpPutResponseHopLimit']?.message).toBe('must be at least 1');
    expect(byPath['InstanceGroup/nodes:spec.instanceMetadata.httpTokens']?.fix).toBe('use one of: required, optional');
    expect(byPath['InstanceGroup/nodes:spec.maxPrice']?.message).toBe('has the wrong form');
  });

  it('have kops\'s defaults: IMDSv2 only with one hop (three on the control plane), encrypted volumes of the cloud\'s type', () => {
    expect(groupMachineSettings('aws', { role: 'Node', subnets: [] })).toMatchObject({ instanceMetadata: { httpTokens: 'required', httpPutResponseHopLimit: 1 }, rootVolumeEncryption: true });
    expect(groupMachineSettings('aws', { role: 'ControlPlane', subnets: [] }).instanceMetadata.httpPutResponseHopLimit).toBe(3);
    expect(groupMachineSettings('aws', { role: 'Node', subnets: [], volumes: [{ device: '/dev/xvdd', size: 10 }] }).volumes).toEqual([{ device: '/dev/xvdd', size: 10, type: 'gp3', encrypted: true, deleteOnTermination: true }]);
    // Completion leaves them unset, so the completed spec of a group that sets none is as it was.
    const completed = completeSpec(cluster(), groups());
    expect(completed.instanceGroups[1]?.spec.instanceMetadata).toBeUndefined();
  });

  it('are checked where the schema cannot: lifetimes, duplicate devices and paths, user-data parts', () => {
    expect([lifetimeSeconds('0'), lifetimeSeconds('48h20m'), lifetimeSeconds('1w')]).toEqual([0, 174_000, undefined]);
    const problems = problemsOf({
      maxInstanceLifetime: '2h',
      volumes: [{ device: '/dev/xvdd', size: 10 }, { device: '/dev/xvdd', size: 20 }],
      volumeMounts: [{ device: '/dev/xvdd', path: 'data' }],
      additionalUserData: [{ name: 'a.sh', type: 'shell', content: '' }, { name: 'a.sh', type: 'text/x-shellscript', content: '' }],
    });
    expect(problems.map((p) => [p.path, p.value, p.message])).toEqual(
      expect.arrayContaining([
        ['InstanceGroup/extra:spec.maxInstanceLifetime', '2h', 'is outside what an Auto Scaling group allows: 0 (no limit), or 24h to 8760h (one year)'],
        ['InstanceGroup/extra:spec.volumes[1].device', '/dev/xvdd', 'another volume has the same device'],
        ['InstanceGroup/extra:spec.volumeMounts[0].path', 'data', 'is not an absolute path below /'],
        ['InstanceGroup/extra:spec.additionalUserData[0].type', 'shell', 'is not a MIME type'],
        ['InstanceGroup/extra:spec.additionalUserData[1].name', 'a.sh', 'another part has the same name'],
      ]),
    );
  });

  it('are refused on AWS where EC2 would refuse them at launch, each with a fix', () => {
    const problems = problemsOf({ machineType: 'm5.large', cpuCredits: 'unlimited', rootVolumeType: 'gp2', rootVolumeThroughput: 200, rootVolumeEncryptionKey: 'alias/mine', additionalSecurityGroups: ['web'], gcpProvisioningModel: 'SPOT' });
    // nodeup formats and mounts them on AWS; GCE does not carry them.
    expect(problemsOf({ volumes: [{ device: '/dev/xvdd', size: 10 }], volumeMounts: [{ device: '/dev/xvdd', path: '/data' }] })).toEqual([]);
    expect(problemsOf({ volumeMounts: [{ device: '/dev/xvdd', path: '/data' }] }, 'gce').map((p) => `${p.path}: ${p.message}`)).toEqual([
      'InstanceGroup/extra:spec.volumeMounts: is not supported on gce: hoist would not carry it to the machines',
    ]);
    expect(problems.map((p) => `${p.path}: ${p.message}`).sort()).toEqual([
      'InstanceGroup/extra:spec.additionalSecurityGroups[0]: is not a security group id',
      'InstanceGroup/extra:spec.cpuCredits: applies to burstable instance types only, and m5.large is not one',
      'InstanceGroup/extra:spec.gcpProvisioningModel: is not supported on aws: hoist would not carry it to the machines',
      'InstanceGroup/extra:spec.rootVolumeEncryptionKey: is not the ARN of a KMS key',
      'InstanceGroup/extra:spec.rootVolumeThroughput: applies to gp3 volumes only, not gp2',
    ]);
    expect(problems.every((p) => p.fix !== undefined && p.fix.length > 0)).toBe(true);
    expect(problemsOf({ maxPrice: '0.05', mixedInstancesPolicy: { instances: ['t3.medium', 't3a.medium'], onDemandAboveBase: 0 }, cpuCredits: 'standard', machineType: 't3.medium' })).toEqual([]);
  });

  it('are refused on the clouds that do not carry them, naming what they carry', () => {
    const gce = problemsOf({ maxPrice: '0.05', gcpProvisioningModel: 'SPOT' }, 'gce');
    expect(gce.map((p) => [p.path, p.value])).toEqual([['InstanceGroup/extra:spec.maxPrice', '0.05']]);
    expect(gce[0]?.fix).toBe('remove it (the fields of this kind hoist carries on gce: gcpProvisioningModel)');
    expect(problemsOf({ volumes: [{ device: '/dev/xvdd', size: 1 }] }, 'local').map((p) => `${p.path}: ${p.message}`)).toEqual([
      'InstanceGroup/extra:spec.volumes: is not supported on the local cloud: hoist would not carry it to the machines',
    ]);
  });

  it('are kept by the kops import (complex.yaml, mixed_instances.yaml)', () => {
    const complex = parseSpecSet(withDnsZone(kopsSpec('complex.yaml')), 'complex.yaml', SPEC_RULES);
    const nodes = complex.instanceGroups.find((g) => g.metadata.name === 'nodes')!.spec;
    expect(nodes).toMatchObject({ additionalSecurityGroups: ['sg-exampleid3', 'sg-exampleid4'], suspendProcesses: ['AZRebalance'], detailedInstanceMonitoring: true, rootVolumeEncryption: true, cpuCredits: 'standard' });
    expect(nodes.volumes?.[0]).toMatchObject({ device: '/dev/xvdd', size: 20, type: 'gp2', encrypted: true, deleteOnTermination: false });
    expect(nodes.additionalUserData?.[0]?.name).toBe('myscript.sh');
    const master = complex.instanceGroups.find((g) => g.metadata.name === 'master-us-test-1a')!.spec;
    expect(master.instanceMetadata).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(master.rootVolumeEncryptionKey).toMatch(/^arn:aws-test:kms:/);
    const mixed = parseSpecSet(withDnsZone(kopsSpec('mixed_instances.yaml')), 'mixed_instances.yaml', SPEC_RULES);
    expect(mixed.instanceGroups.find((g) => g.metadata.name === 'nodes')!.spec).toMatchObject({ instanceProtection: true, mixedInstancesPolicy: { instances: ['m5.large', 'm5.xlarge', 't2.medium'], onDemandAboveBase: 5, spotInstancePools: 3 } });
  });

  it('drop AWS\'s fields from a kops GCE group, reported, and keep its provisioning model', () => {
    const text = kopsSpec('minimal_gce.yaml').replace(/^ {2}role: Node$/m, '  role: Node\n  maxPrice: "0.1"\n  gcpProvisioningModel: SPOT');
    const parsed = parseSpecText(text, 'minimal_gce.yaml', SPEC_RULES).find((d) => d.kind === 'InstanceGroup' && d.object.spec.role === 'Node');
    const ig = parsed!.object as InstanceGroup;
    expect(ig.spec.gcpProvisioningModel).toBe('SPOT');
    expect(ig.spec.maxPrice).toBeUndefined();
    expect(parsed!.converted?.dropped).toEqual([{ path: 'spec.maxPrice', value: '0.1', reason: 'hoist does not carry this field on gce' }]);
  });

  it('make a SPOT group\'s GCE instance template spot, and leave a STANDARD group\'s template as it was', () => {
    const c = cluster({ cloudProvider: 'gce', project: 'p', networkCIDR: '10.0.0.0/16', subnets: [{ name: 'us-central1', region: 'us-central1', type: 'Public' }] });
    const igs = [group('control-plane', { role: 'ControlPlane', subnets: ['us-central1'], zones: ['us-central1-a'] }), group('spot', { subnets: ['us-central1'], zones: ['us-central1-a'], gcpProvisioningModel: 'SPOT' }), group('standard', { subnets: ['us-central1'], zones: ['us-central1-a'] })];
    expect(validate(c, igs)).toEqual([]);
    const tasks = buildGceTasks(completeSpec(c, igs), testBoot({ stateStore: 'gs://state/clusters', configHash: () => 'sha256:x' }, c.metadata.name));
    const template = (ig: string) => tasks.find((t) => t.kind === 'InstanceTemplate' && t.name.startsWith(`${ig}-`))!;
    const props = (ig: string) => templateProperties(resolveFields(template(ig).desired, () => 'link') as unknown as InstanceTemplateFields);
    expect(props('spot').scheduling).toEqual({ provisioningModel: 'SPOT', preemptible: true, automaticRestart: false, onHostMaintenance: 'TERMINATE', instanceTerminationAction: 'DELETE' });
    expect(props('standard').scheduling).toBeUndefined();
    expect('scheduling' in template('standard').desired).toBe(false);
  });
});
