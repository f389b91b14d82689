/**
 * kops's InstanceGroup `autoscale: false`: cluster-autoscaler leaves the group alone. The group
 * is not among the `--nodes` cluster-autoscaler is given (aws and gce), and on aws its Auto
 * Scaling group and machines carry no node-template tags for it; true is the default, resolved
 * in one place; a value that is not a boolean is refused at its path; the kops import keeps it.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, parseSpecSet, parseSpecText } from '../../src/api/index.js';
import type { Cluster, CompletedSpec, InstanceGroup } from '../../src/api/index.js';
import { autoscaled } from '../../src/api/defaults.js';
import { resolveFields } from '../../src/engine/diff.js';
import { builtinAddons } from '../../cloudup/addons/render.js';
import type { CloudAddons } from '../../cloudup/addons/types.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { withDnsZone } from '../support/kops-zone.js';
import { validate } from './fixtures.js';

const CLUSTER = 'autoscale.example.com';
const ADDONS = new Map<string, CloudAddons>();
beforeAll(async () => {
  for (const cloud of ['aws', 'gce'] as const) ADDONS.set(cloud, await cloudAddonsOf(cloud));
});

/** A cluster with cluster-autoscaler and two Node groups, `fixed` with autoscale `fixed` (null: not set). */
function spec(cloud: 'aws' | 'gce', fixed: boolean | null = false): CompletedSpec {
  const made = newClusterSpec({ name: CLUSTER, cloud, zones: [cloud === 'aws' ? 'us-east-1a' : 'us-central1-a'], kubernetesVersion: '1.34.0', ...(cloud === 'gce' ? { project: 'hoist-test' } : {}) }, SPEC_RULES);
  const node = made.instanceGroups.find((ig) => ig.spec.role === 'Node')!;
  const labelled = (name: string, extra: Partial<InstanceGroup['spec']>): InstanceGroup => ({ ...node, metadata: { ...node.metadata, name }, spec: { ...node.spec, nodeLabels: { pool: name }, ...extra } });
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, clusterAutoscaler: { enabled: true } } };
  const igs = [...made.instanceGroups.filter((ig) => ig.spec.role !== 'Node'), labelled('scaled', {}), labelled('fixed', fixed === null ? {} : { autoscale: fixed })];
  const done = completeSpec(cluster, igs);
  expect(validate(done.cluster, done.instanceGroups)).toEqual([]);
  return done;
}

function nodesArgs(c: CompletedSpec): string[] {
  const addon = builtinAddons(c, ADDONS.get(c.cluster.spec.cloudProvider)!).find((a) => a.name === 'cluster-autoscaler')!;
  const deployment = addon.objects.find((o) => o.kind === 'Deployment')!;
  const args = (deployment['spec'] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]!.args;
  return args.filter((a) => a.startsWith('--nodes='));
}

function awsTags(c: CompletedSpec, group: string): Record<string, string> {
  const tasks = buildAwsTasks(c, testBoot({ stateStore: 's3://hoist-state/clusters', configHash: (ig) => `sha256:${ig}` }, CLUSTER));
  const fields = (kind: string) => resolveFields(tasks.find((t) => t.kind === kind && t.name === `${group}.${CLUSTER}`)!.desired, (r) => `<${r.$ref}>`) as Record<string, unknown>;
  const asg = fields('AutoScalingGroup')['tags'] as Record<string, string>;
  expect(fields('LaunchTemplate')['instanceTags']).toEqual(asg);
  return asg;
}

describe('autoscale: false', () => {
  it('is true unless the spec says false, in one place', () => {
    expect(autoscaled({})).toBe(true);
    expect(autoscaled({ autoscale: true })).toBe(true);
    expect(autoscaled({ autoscale: false })).toBe(false);
  });

  it('leaves the group out of cluster-autoscaler\'s --nodes on aws', () => {
    expect(nodesArgs(spec('aws'))).toEqual([`--nodes=2:2:scaled.${CLUSTER}`]);
    expect(nodesArgs(spec('aws', null))).toEqual([`--nodes=2:2:scaled.${CLUSTER}`, `--nodes=2:2:fixed.${CLUSTER}`]);
    expect(nodesArgs(spec('aws', true))).toHaveLength(2);
  });

  it('leaves the group\'s managed instance groups out on gce', () => {
    const args = nodesArgs(spec('gce'));
    expect(args).toHaveLength(1);
    expect(args[0]).toMatch(/instanceGroups\/a-scaled-autoscale-example-com$/);
  });

  it('drops the node-template tags of the group on aws, and only of that group', () => {
    const c = spec('aws');
    expect(awsTags(c, 'scaled')).toMatchObject({ 'k8s.io/cluster-autoscaler/node-template/label/pool': 'scaled' });
    const fixed = awsTags(c, 'fixed');
    expect(Object.keys(fixed).filter((k) => k.startsWith('k8s.io/cluster-autoscaler/'))).toEqual([]);
    expect(fixed).toMatchObject({ 'hoist.dev/instancegroup': 'fixed' });
    expect(awsTags(spec('aws', null), 'fixed')).toMatchObject({ 'k8s.io/cluster-autoscaler/node-template/label/pool': 'fixed' });
  });

  it('refuses what is not a boolean at its path', () => {
    const text = 'apiVersion: hoist.dev/v1alpha1\nkind: InstanceGroup\nmetadata: {name: nodes}\nspec: {role: Node, subnets: [a], autoscale: "no"}\n';
    expect(() => parseSpecText(text, 'nodes.yaml', SPEC_RULES)).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ path: 'InstanceGroup/nodes:spec.autoscale', value: 'no', message: 'must be a boolean, not a string' })] }));
  });

  it('is kept by the kops import', () => {
    const kops = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8').replace(/^ {2}maxInstanceLifetime: 48h20m$/m, '  maxInstanceLifetime: 48h20m\n  autoscale: false');
    const set = parseSpecSet(withDnsZone(kops), 'minimal-aws.yaml', SPEC_RULES);
    expect(set.documents.flatMap((d) => d.converted?.dropped ?? []).map((d) => d.path)).not.toContain('spec.autoscale');
    expect(set.instanceGroups.find((g) => g.metadata.name === 'nodes')?.spec.autoscale).toBe(false);
  });
});
