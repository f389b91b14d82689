/**
 * kops's InstanceGroup instanceInterruptionBehavior (terminate, stop or hibernate): refused at
 * its path where it would do nothing (no maxPrice, a mixed-instances group, another cloud) or is
 * not one of EC2's words; defaulted to terminate in one place; carried into the launch template's
 * SpotOptions and Terraform's spot_options, where terminate, EC2's default, is sent as nothing
 * and read back as nothing; kept by the kops import.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, parseSpecSet, parseSpecText } from '../../src/api/index.js';
import type { InstanceGroupSpec } from '../../src/api/index.js';
import { groupMachineSettings } from '../../src/api/defaults.js';
import { resolveFields } from '../../src/engine/diff.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { launchTemplateData, versionFields } from '../../cloudup/aws/tasks/launch-template.js';
import type { LaunchTemplateFields } from '../../cloudup/aws/tasks/launch-template.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, group, groups, validate } from './fixtures.js';

const nodes = (spec: Partial<InstanceGroupSpec>) => [group('control-plane-us-east-1a', { role: 'ControlPlane' }), group('nodes', spec)];
const problemsOf = (spec: Partial<InstanceGroupSpec>) => validate(cluster(), nodes(spec));

function templateOf(spec: Partial<InstanceGroupSpec>): LaunchTemplateFields {
  const c = cluster();
  const tasks = buildAwsTasks(completeSpec(c, nodes(spec)), testBoot({ stateStore: 's3://hoist-state/clusters', configHash: (ig) => `sha256:${ig}` }, c.metadata.name));
  const template = tasks.find((t) => t.kind === 'LaunchTemplate' && t.name === `nodes.${c.metadata.name}`)!;
  return resolveFields(template.desired, (r) => `<${r.$ref}>`) as unknown as LaunchTemplateFields;
}

describe('instanceInterruptionBehavior: validation', () => {
  it('takes terminate, stop and hibernate on a spot group', () => {
    for (const behavior of ['terminate', 'stop', 'hibernate'] as const) expect(problemsOf({ maxPrice: '0.05', instanceInterruptionBehavior: behavior }), behavior).toEqual([]);
  });

  it('is refused at its path without maxPrice: an On-Demand machine is never interrupted', () => {
    expect(problemsOf({ instanceInterruptionBehavior: 'stop' })).toEqual([
      expect.objectContaining({ path: 'InstanceGroup/nodes:spec.instanceInterruptionBehavior', value: 'stop', message: 'applies to spot instances only, and the group runs On-Demand (no maxPrice)' }),
    ]);
  });

  it('is refused at its path beside mixedInstancesPolicy, whose template asks for no spot', () => {
    const found = problemsOf({ maxPrice: '0.05', instanceInterruptionBehavior: 'hibernate', mixedInstancesPolicy: { instances: ['m5.large', 'm5a.large'], onDemandAboveBase: 0 } });
    expect(found.map((p) => p.path)).toEqual(['InstanceGroup/nodes:spec.instanceInterruptionBehavior']);
    expect(found[0]?.fix).toContain('remove instanceInterruptionBehavior');
  });

  it('refuses a word EC2 does not have, naming the three it has', () => {
    const text = `apiVersion: hoist.dev/v1alpha1\nkind: InstanceGroup\nmetadata: {name: nodes}\nspec: {role: Node, subnets: [a], maxPrice: "0.05", instanceInterruptionBehavior: Stop}\n`;
    expect(() => parseSpecText(text, 'nodes.yaml', SPEC_RULES)).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ path: 'InstanceGroup/nodes:spec.instanceInterruptionBehavior', value: 'Stop', message: 'must be one of: terminate, stop, hibernate', fix: 'did you mean stop?' })] }),
    );
  });

  it('is refused on gce, which has no such field', () => {
    const gce = cluster({ cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east-1a', region: 'us-central1', type: 'Public' }] });
    const igs = groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['us-east-1a'], zones: ['us-central1-a'] } }));
    const found = validate(gce, [...igs.slice(0, 1), { ...igs[1]!, spec: { ...igs[1]!.spec, instanceInterruptionBehavior: 'stop' as const } }]);
    expect(found).toEqual([expect.objectContaining({ path: 'InstanceGroup/nodes:spec.instanceInterruptionBehavior', value: 'stop' })]);
  });

  it('defaults to terminate in one place', () => {
    expect(groupMachineSettings('aws', { role: 'Node', subnets: [] }).instanceInterruptionBehavior).toBe('terminate');
    expect(groupMachineSettings('aws', { role: 'Node', subnets: [], instanceInterruptionBehavior: 'hibernate' }).instanceInterruptionBehavior).toBe('hibernate');
  });
});

describe('instanceInterruptionBehavior: the launch template', () => {
  it('sends stop and hibernate in SpotOptions, and terminate (EC2\'s default) as nothing', () => {
    expect(launchTemplateData(templateOf({ maxPrice: '0.05', instanceInterruptionBehavior: 'stop' })).InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.05', InstanceInterruptionBehavior: 'stop' } });
    expect(launchTemplateData(templateOf({ maxPrice: '0.05', instanceInterruptionBehavior: 'hibernate' })).InstanceMarketOptions?.SpotOptions?.InstanceInterruptionBehavior).toBe('hibernate');
    const terminate = templateOf({ maxPrice: '0.05', instanceInterruptionBehavior: 'terminate' });
    expect(terminate.spot).toEqual(templateOf({ maxPrice: '0.05' }).spot);
    expect(launchTemplateData(terminate).InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.05' } });
  });

  it('reads a live template\'s behavior back as the model writes it (terminate as nothing)', () => {
    const live = (behavior?: 'terminate' | 'stop') => versionFields('t', { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.05', ...(behavior ? { InstanceInterruptionBehavior: behavior } : {}) } } })['spot'];
    expect(live('terminate')).toEqual({ maxPrice: '0.05' });
    expect(live()).toEqual({ maxPrice: '0.05' });
    expect(live('stop')).toEqual({ maxPrice: '0.05', instanceInterruptionBehavior: 'stop' });
  });
});

describe('instanceInterruptionBehavior: the kops import', () => {
  it('is kept', () => {
    const kops = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8')
      .replace(/^ {2}maxInstanceLifetime: 48h20m$/m, '  maxInstanceLifetime: 48h20m\n  maxPrice: "0.05"\n  instanceInterruptionBehavior: hibernate');
    const set = parseSpecSet(withDnsZone(kops), 'minimal-aws.yaml', SPEC_RULES);
    expect(set.documents.flatMap((d) => d.converted?.dropped ?? []).map((d) => d.path)).not.toContain('spec.instanceInterruptionBehavior');
    expect(set.instanceGroups.find((g) => g.metadata.name === 'nodes')?.spec).toMatchObject({ maxPrice: '0.05', instanceInterruptionBehavior: 'hibernate' });
  });
});
