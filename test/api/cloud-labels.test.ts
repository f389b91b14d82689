/**
 * cloudLabels against the clouds' tag rules: what validation accepts, the AWS and GCE models can
 * write, and what they cannot write, validation refuses with the field path.
 */

import { describe, expect, it } from 'vitest';
import { CLUSTER_LABEL, completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, CloudProvider, InstanceGroup } from '../../src/api/index.js';
import type { Task } from '../../src/engine/task.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { VERSION_HASH_TAG } from '../../cloudup/aws/tasks/launch-template.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { DETACHED_LABEL } from '../../cloudup/gce/rolling.js';
import { testBoot } from '../support/boot.js';
import { AWS_TAG_RULES } from '../../cloudup/aws/tag-rules.js';
import { GCE_LABEL_RULES } from '../../cloudup/gce/spec-rules.js';
import { validate } from './fixtures.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

// A store GCE machines can read (they refuse s3://).
const boot = testBoot({ stateStore: 'file:///state/clusters', configHash: (ig: string) => `sha256:${ig}` });
type Labels = Record<string, string>;

const labels = (n: number, prefix = 'team'): Labels => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, 'web']));

/** A three-zone cluster of three control-plane groups and its node groups, with the given labels and name. */
function spec(cloud: CloudProvider, clusterLabels: Labels, igLabels: Labels = {}, nodeLabels: Labels = {}, name = `labels.${cloud}.example.com`): { cluster: Cluster; instanceGroups: InstanceGroup[] } {
  const s = newSpec(cloud);
  return {
    cluster: { ...s.cluster, metadata: { name }, spec: { ...s.cluster.spec, cloudLabels: clusterLabels, api: { ...s.cluster.spec.api, publicName: `api.${name}` } } },
    instanceGroups: s.instanceGroups.map((ig) => ({ ...ig, metadata: { ...ig.metadata, labels: { [CLUSTER_LABEL]: name } }, spec: { ...ig.spec, cloudLabels: igLabels, nodeLabels } })),
  };
}

function newSpec(cloud: CloudProvider) {
  const zones = { gce: ['us-central1-a', 'us-central1-b', 'us-central1-c'], aws: ['us-east-1a', 'us-east-1b', 'us-east-1c'], local: undefined }[cloud];
  return newClusterSpec({ name: `labels.${cloud}.example.com`, cloud, ...(zones ? { zones } : {}), controlPlaneCount: 3, project: 'hoist-test', ...(cloud === 'aws' ? { topology: 'private', dnsZone: 'example.com', sshPublicKey: 'ssh-ed25519 AAAAC3Nza test' } : {}) }, SPEC_RULES);
}

const problems = (s: { cluster: Cluster; instanceGroups: InstanceGroup[] }) => validate(s.cluster, s.instanceGroups);
const paths = (s: { cluster: Cluster; instanceGroups: InstanceGroup[] }) => problems(s).map((p) => p.path);

/** Every tag map the AWS model puts on a resource (a launch template's instances and volumes too). */
function awsTagMaps(s: { cluster: Cluster; instanceGroups: InstanceGroup[] }): Labels[] {
  const completed = completeSpec(s.cluster, s.instanceGroups);
  // A launch template also carries the tag that records its latest version, written when it is made.
  const recorded = (t: Task, f: string, m: Labels) => (t.kind === 'LaunchTemplate' && f === 'tags' ? { ...m, [VERSION_HASH_TAG]: `1:${'0'.repeat(32)}` } : m);
  return buildAwsTasks(completed, boot).flatMap((t) => ['tags', 'instanceTags', 'volumeTags'].flatMap((f) => (t.desired[f] ? [recorded(t, f, t.desired[f] as Labels)] : [])));
}

/** Every label map the GCE model writes; a roll adds its detached label to a group's instances. */
function gceLabelMaps(s: { cluster: Cluster; instanceGroups: InstanceGroup[] }): Labels[] {
  const completed = completeSpec(s.cluster, s.instanceGroups);
  return buildGceTasks(completed, boot).flatMap((t) => {
    const l = t.desired['labels'] as Labels | undefined;
    if (!l) return [];
    return t.kind === 'InstanceTemplate' ? [{ ...l, [DETACHED_LABEL]: 'true' }] : [l];
  });
}

describe('hoist\'s own tags are the ones validation counts', () => {
  it('AWS: the most tags hoist puts on one resource besides cloudLabels is what validation assumes, plus one per node label', () => {
    const user = { ...labels(3), ...labels(2, 'group') };
    const nodeLabels = { 'example.com/a': 'x', 'example.com/b': 'y' };
    const own = awsTagMaps(spec('aws', labels(3), labels(2, 'group'), nodeLabels)).map((m) => Object.keys(m).filter((k) => !(k in user)).length);
    expect(Math.max(...own)).toBe(AWS_TAG_RULES.ownPerResource + 2 * AWS_TAG_RULES.ownPerNodeLabel);
  });

  it('GCE: the most labels hoist puts on one resource besides cloudLabels (a roll\'s included) is what validation assumes', () => {
    const user = { ...labels(3), ...labels(2, 'group') };
    const own = gceLabelMaps(spec('gce', labels(3), labels(2, 'group'), { 'example.com/a': 'x' })).map((m) => Object.keys(m).filter((k) => !(k in user)).length);
    expect(Math.max(...own)).toBe(GCE_LABEL_RULES.ownPerResource);
  });

  it('AWS: a spec at the limit is accepted and every resource the model makes fits in 50 tags of valid length', () => {
    const free = 50 - AWS_TAG_RULES.ownPerResource;
    const atLimit = spec('aws', labels(free - 3), { ...labels(1, 'group'), 'team-0': 'app' }, { 'example.com/a': 'x', 'example.com/b': 'y' });
    expect(problems(atLimit)).toEqual([]);
    const maps = awsTagMaps(atLimit);
    expect(Math.max(...maps.map((m) => Object.keys(m).length))).toBe(50);
    for (const m of maps) for (const [k, v] of Object.entries(m)) expect([k.length <= 128, v.length <= 256, k.toLowerCase().startsWith('aws:')]).toEqual([true, true, false]);
    // One more, anywhere, is refused where it was written.
    expect(paths(spec('aws', labels(free + 1)))).toEqual(['spec.cloudLabels']);
    const over = spec('aws', labels(free - 3), labels(2, 'group'), { 'example.com/a': 'x', 'example.com/b': 'y' });
    expect(paths(over)).toEqual(over.instanceGroups.map((g) => `InstanceGroup/${g.metadata.name}:spec.cloudLabels`));
  });

  it('GCE: a spec at the limit is accepted and every resource the model makes fits in 64 labels', () => {
    const free = 64 - GCE_LABEL_RULES.ownPerResource;
    const atLimit = spec('gce', labels(free - 1), labels(1, 'group'));
    expect(problems(atLimit)).toEqual([]);
    expect(Math.max(...gceLabelMaps(atLimit).map((m) => Object.keys(m).length))).toBe(64);
    expect(paths(spec('gce', labels(free), labels(1, 'group')))).toContain('InstanceGroup/nodes-us-central1-a:spec.cloudLabels');
  });
});

describe('AWS tag rules', () => {
  const one = (key: string, value = 'v', where: 'cluster' | 'group' = 'cluster') =>
    problems(where === 'cluster' ? spec('aws', { [key]: value }) : spec('aws', {}, { [key]: value })).map((p) => `${p.path}: ${p.message} (${p.fix})`);

  it('accepts what AWS accepts: 128-character keys, 256-character values, spaces and + = . _ : / @ -', () => {
    expect(one('k'.repeat(128), 'v'.repeat(256))).toEqual([]);
    expect(one('Owner', 'John Doe')).toEqual([]);
    expect(one('foo/bar', 'fib+baz=1.2_3:4@5-6')).toEqual([]);
  });

  it('refuses aws: keys in any case, long keys and values, and characters AWS refuses', () => {
    expect(one('aws:cost')).toEqual([expect.stringMatching(/^spec\.cloudLabels\["aws:cost"\]: starts with "aws:", which AWS keeps for itself/)]);
    expect(one('AWS:Cost', 'v', 'group')[0]).toMatch(/^InstanceGroup\/\S+:spec\.cloudLabels\["AWS:Cost"\]: starts with "aws:"/);
    expect(one('k'.repeat(129))[0]).toContain('is 129 characters long; AWS tag keys hold at most 128');
    expect(one('team', 'v'.repeat(257))[0]).toMatch(/^spec\.cloudLabels\.team: is 257 characters long; AWS tag values hold at most 256/);
    expect(one('team', 'a#b')[0]).toContain('"#"');
    expect(one('te!am')[0]).toContain('"!"');
  });

  it('counts the Cluster\'s and a group\'s labels once each when they share a key, and node labels as tags', () => {
    const free = 50 - AWS_TAG_RULES.ownPerResource;
    expect(paths(spec('aws', labels(free), labels(free)))).toEqual([]);
    const over = problems(spec('aws', labels(free - 1), {}, { 'example.com/a': 'x', 'example.com/b': 'y' }));
    expect(over[0]?.path).toBe('InstanceGroup/control-plane-us-east-1a:spec.nodeLabels');
    expect(over[0]?.message).toContain(`${free - 1} from the Cluster's and this group's cloudLabels, ${AWS_TAG_RULES.ownPerResource} of hoist's own and 2 for nodeLabels`);
  });

  it('refuses node label keys too long for the cluster autoscaler tag, and cluster names too long for the ownership tag', () => {
    const key = `${'a'.repeat(60)}.example.com/${'b'.repeat(20)}`;
    const long = spec('aws', {}, {}, { [key]: 'x' });
    expect(problems(long)[0]?.message).toContain(`k8s.io/cluster-autoscaler/node-template/label/${key}`);
    const name = `${'a'.repeat(60)}.${'b'.repeat(45)}`;
    expect(paths(spec('aws', {}, {}, {}, name))).toEqual([]);
    expect(paths(spec('aws', {}, {}, {}, `${name}x`))).toEqual(['metadata.name']);
    expect(paths(spec('gce', {}, {}, {}, `${name}x`))).toEqual([]);
  });

  it('keeps refusing hoist\'s ownership tags, on groups too', () => {
    expect(paths(spec('aws', { 'hoist.dev/cluster': 'x' }))).toEqual(['spec.cloudLabels["hoist.dev/cluster"]']);
    expect(paths(spec('aws', {}, { 'kubernetes.io/cluster/x': 'owned' }))).toContain('InstanceGroup/nodes-us-east-1a:spec.cloudLabels["kubernetes.io/cluster/x"]');
  });
});

describe('GCE label rules', () => {
  const one = (key: string, value = 'v') => problems(spec('gce', { [key]: value })).map((p) => `${p.path}: ${p.message} (${p.fix})`);

  it('accepts lower-case keys and values of letters, digits, _ and -, up to 63 characters, and empty values', () => {
    expect(one('cost_center-1', 'web_2-a')).toEqual([]);
    expect(one('k'.repeat(63), 'v'.repeat(63))).toEqual([]);
    expect(one('team', '')).toEqual([]);
  });

  it('refuses upper case, other characters, a key not starting with a letter, and lengths over 63, suggesting the GCE spelling', () => {
    expect(one('Cost_Center')).toEqual([expect.stringMatching(/^spec\.cloudLabels\.Cost_Center: .*lower-case.* \(use cost_center\)$/)]);
    expect(one('team', 'Web')).toEqual([expect.stringMatching(/^spec\.cloudLabels\.team: .*lower-case.* \(use web\)$/)]);
    expect(one('example.com/team')[0]).toContain('use example-com-team');
    expect(one('1team')[0]).toContain('start with a lower-case letter');
    expect(one('k'.repeat(64))[0]).toContain('is 64 characters long; GCE label keys hold at most 63');
    expect(one('team', 'v'.repeat(64))[0]).toContain('is 64 characters long; GCE label values hold at most 63');
    expect(one('hoist-dev-cluster')[0]).toContain('hoist sets itself');
  });

  it('the local cloud has no tag limits beyond hoist\'s own keys', () => {
    expect(paths(spec('local', { ...labels(80), 'Team Name': 'Web!' }))).toEqual([]);
  });
});
