/**
 * kops's InstanceGroup externalLoadBalancers, tenancy and rootVolumeOptimization and the
 * Cluster's iam.permissionsBoundary: refused with their path, value and a fix where they are
 * wrong or where the cloud does not carry them, kept by the kops import, and carried into the
 * AWS tasks (the launch template, the Auto Scaling group, every IAM role).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, parseSpecSet, parseSpecText } from '../../src/api/index.js';
import type { InstanceGroupSpec } from '../../src/api/index.js';
import { resolveFields } from '../../src/engine/diff.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { autoScalingGroupKind } from '../../cloudup/aws/tasks/autoscaling-group.js';
import { launchTemplateData, versionFields } from '../../cloudup/aws/tasks/launch-template.js';
import type { LaunchTemplateFields } from '../../cloudup/aws/tasks/launch-template.js';
import { versionHash } from '../../cloudup/aws/tasks/launch-template-live.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, group, groups, validate } from './fixtures.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/boundaries';
const kopsSpec = (file: string) => readFileSync(join(import.meta.dirname, '../fixtures/kops-specs', file), 'utf8');

const problemsOf = (spec: Partial<InstanceGroupSpec>, cloud: 'aws' | 'gce' = 'aws') => {
  const c = cloud === 'aws' ? cluster() : cluster({ cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east-1a', region: 'us-central1', type: 'Public' }] });
  const zones = cloud === 'gce' ? { zones: ['us-central1-a'] } : {};
  const igs = groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['us-east-1a'], ...zones } }));
  return validate(c, [...igs, group('extra', { ...zones, ...spec })]).filter((p) => p.path.startsWith('InstanceGroup/extra'));
};

function schemaProblems(yaml: string): Record<string, { message: string; fix?: string }> {
  try {
    parseSpecText(yaml, 'spec.yaml', SPEC_RULES);
  } catch (e) {
    return Object.fromEntries(((e as { problems?: { path: string; message: string; fix?: string }[] }).problems ?? []).map((p) => [p.path, p]));
  }
  return {};
}

describe('externalLoadBalancers, tenancy and rootVolumeOptimization', () => {
  it('are refused in the schema with the field path: a target group ARN\'s shape, a load balancer name, a tenancy', () => {
    const byPath = schemaProblems(`apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata: { name: nodes }
spec:
  role: Node
  subnets: [a]
  tenancy: shared
  rootVolumeOptimization: "yes"
  externalLoadBalancers:
  - targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef
  - loadBalancerName: -bad-
  - loadBalancer: web
`);
    expect(byPath['InstanceGroup/nodes:spec.tenancy']?.message).toBe('must be one of: default, dedicated, host');
    expect(byPath['InstanceGroup/nodes:spec.rootVolumeOptimization']).toBeDefined();
    expect(byPath['InstanceGroup/nodes:spec.externalLoadBalancers[0].targetGroupArn']?.fix).toContain('targetgroup/');
    expect(byPath['InstanceGroup/nodes:spec.externalLoadBalancers[1].loadBalancerName']?.fix).toContain('my-external-lb');
    expect(Object.keys(byPath).some((p) => p.startsWith('InstanceGroup/nodes:spec.externalLoadBalancers[2]'))).toBe(true);
  });

  it('need exactly one of loadBalancerName and targetGroupArn per entry, each listed once', () => {
    const problems = problemsOf({ externalLoadBalancers: [{ loadBalancerName: 'web', targetGroupArn: TG.replace('web', 'api') }, {}, { targetGroupArn: TG }, { targetGroupArn: TG }] });
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['InstanceGroup/extra:spec.externalLoadBalancers[0]', 'needs exactly one of loadBalancerName and targetGroupArn'],
      ['InstanceGroup/extra:spec.externalLoadBalancers[1]', 'needs exactly one of loadBalancerName and targetGroupArn'],
      ['InstanceGroup/extra:spec.externalLoadBalancers[3].targetGroupArn', 'is listed twice'],
    ]);
    expect(problems.every((p) => (p.fix ?? '').length > 0)).toBe(true);
    expect(problemsOf({ externalLoadBalancers: [{ loadBalancerName: 'web' }, { targetGroupArn: TG }], tenancy: 'dedicated', rootVolumeOptimization: true })).toEqual([]);
  });

  it('are refused where they cannot work: on gce, and spot on a Dedicated Host', () => {
    expect(problemsOf({ tenancy: 'host', externalLoadBalancers: [{ loadBalancerName: 'web' }], rootVolumeOptimization: true }, 'gce').map((p) => p.path).sort()).toEqual([
      'InstanceGroup/extra:spec.externalLoadBalancers',
      'InstanceGroup/extra:spec.rootVolumeOptimization',
      'InstanceGroup/extra:spec.tenancy',
    ]);
    expect(problemsOf({ tenancy: 'host', maxPrice: '0.05' }).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'InstanceGroup/extra:spec.tenancy: cannot run spot instances, which maxPrice or mixedInstancesPolicy.onDemandAboveBase ask for',
    ]);
    expect(problemsOf({ tenancy: 'dedicated', maxPrice: '0.05' })).toEqual([]);
  });

  it('reach the launch template and the Auto Scaling group; a control-plane group keeps the API\'s target group', () => {
    const c = cluster({ iam: { permissionsBoundary: BOUNDARY } });
    const lbs = [{ targetGroupArn: TG }, { loadBalancerName: 'web-b' }, { loadBalancerName: 'web-a' }];
    const igs = [group('control-plane-us-east-1a', { role: 'ControlPlane', externalLoadBalancers: lbs }), group('nodes', { tenancy: 'dedicated', rootVolumeOptimization: true })];
    expect(validate(c, igs)).toEqual([]);
    const tasks = buildAwsTasks(completeSpec(c, igs), testBoot({ stateStore: 's3://hoist-state/clusters', configHash: (ig) => `sha256:${ig}` }, c.metadata.name));
    const placeholder = (r: { $ref: string; output: string }) => `<${r.$ref} ${r.output}>`;
    const asg = resolveFields(tasks.find((t) => t.kind === 'AutoScalingGroup' && t.name.startsWith('control-plane-us-east-1a.'))!.desired, placeholder);
    expect(asg).toMatchObject({ externalTargetGroupArns: [TG], loadBalancerNames: ['web-a', 'web-b'] });
    expect((asg['targetGroupArns'] as string[]).length).toBeGreaterThan(0);
    const template = (name: string) => resolveFields(tasks.find((t) => t.kind === 'LaunchTemplate' && t.name.startsWith(`${name}.`))!.desired, placeholder) as unknown as LaunchTemplateFields;
    const nodes = launchTemplateData(template('nodes'));
    expect(nodes.Placement).toEqual({ Tenancy: 'dedicated' });
    expect(nodes.EbsOptimized).toBe(true);
    const plain = launchTemplateData(template('control-plane-us-east-1a'));
    expect(plain.Placement).toBeUndefined();
    expect(plain.EbsOptimized).toBeUndefined();
    // Read back, a version holds what the task wants.
    expect(versionFields('n', nodes)).toMatchObject({ tenancy: 'dedicated', ebsOptimized: true });
    expect(versionFields('n', plain)).toMatchObject({ tenancy: 'default', ebsOptimized: false });
    // A template made before these fields existed is proven by its tag still.
    const { tenancy: _t, ebsOptimized: _e, ...before } = template('control-plane-us-east-1a');
    expect(versionHash(before as never)).toBe(versionHash(template('control-plane-us-east-1a') as never));
    expect(versionHash(before as never)).not.toBe(versionHash({ ...before, tenancy: 'dedicated' } as never));
    // Every role hoist makes is bounded.
    const roles = tasks.filter((t) => t.kind === 'IAMRole');
    expect(roles.length).toBeGreaterThan(1);
    expect(roles.every((r) => r.desired['permissionsBoundary'] === BOUNDARY)).toBe(true);
  });

  it('compare a group\'s live target groups as the task has them: hoist\'s and the external ones', () => {
    const live = { targetGroupArns: ['arn:api', TG, 'arn:stray'], externalTargetGroupArns: [] };
    const comparable = autoScalingGroupKind.comparable!;
    expect(comparable(live, { targetGroupArns: [{ $ref: 'TargetGroup/api', output: 'arn' }], externalTargetGroupArns: [TG] })).toMatchObject({ targetGroupArns: ['arn:api', 'arn:stray'], externalTargetGroupArns: [TG] });
    expect(comparable(live, { targetGroupArns: [], externalTargetGroupArns: [] })).toMatchObject({ targetGroupArns: ['arn:api', 'arn:stray', TG].sort(), externalTargetGroupArns: [] });
  });
});

describe('iam.permissionsBoundary', () => {
  it('is refused in the schema unless it is a managed policy ARN', () => {
    const byPath = schemaProblems(`apiVersion: hoist.dev/v1alpha1
kind: Cluster
metadata: { name: demo.example.com }
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.0
  iam: { permissionsBoundary: boundaries }
`);
    expect(Object.keys(byPath)).toContain('spec.iam.permissionsBoundary');
    expect(byPath['spec.iam.permissionsBoundary']?.fix).toContain('arn:aws:iam::123456789012:policy/boundaries');
  });

  it('is refused at its path on the clouds without IAM roles', () => {
    const iam = { permissionsBoundary: BOUNDARY };
    const gce = cluster({ cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east-1a', region: 'us-central1', type: 'Public' }], iam });
    const local = cluster({ cloudProvider: 'local', networkCIDR: '127.20.0.0/16', dnsZone: undefined, subnets: [{ name: 'us-east-1a', zone: 'local-a', type: 'Public' }], iam });
    const on = (c: typeof gce, zones: Partial<InstanceGroupSpec>) => validate(c, groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['us-east-1a'], ...zones } }))).map((p) => `${p.path}: ${p.message}`);
    expect(on(gce, { zones: ['us-central1-a'] })).toEqual(['spec.iam.permissionsBoundary: is not supported on gce: hoist makes no IAM roles there']);
    expect(on(local, { machineType: 'local.small' })).toEqual(['spec.iam.permissionsBoundary: is not supported on the local cloud: hoist makes no IAM roles there']);
    expect(validate(cluster({ iam }), groups())).toEqual([]);
  });
});

describe('the kops import', () => {
  it('keeps externalLoadBalancers, tenancy, rootVolumeOptimization and iam.permissionsBoundary (complex.yaml)', () => {
    const text = kopsSpec('complex.yaml').replace(/^ {2}role: Node$/m, '  role: Node\n  tenancy: dedicated\n  rootVolumeOptimization: true');
    const set = parseSpecSet(withDnsZone(text), 'complex.yaml', SPEC_RULES);
    expect(set.cluster.spec.iam?.permissionsBoundary).toBe('arn:aws-test:iam::000000000000:policy/boundaries');
    const nodes = set.instanceGroups.find((g) => g.metadata.name === 'nodes')!.spec;
    expect(nodes).toMatchObject({ externalLoadBalancers: [{ loadBalancerName: 'my-external-lb-1' }], tenancy: 'dedicated', rootVolumeOptimization: true });
    expect(set.instanceGroups.find((g) => g.metadata.name === 'master-us-test-1a')!.spec.externalLoadBalancers).toEqual([{ loadBalancerName: 'my-external-lb-1' }]);
  });
});
