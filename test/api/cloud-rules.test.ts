/**
 * The clouds' spec rules behind one interface: every path that accepts a spec takes them as an
 * argument, each cloud's rules are its own, src/api names no cloud module, and a cloud's rules
 * load nothing of the cloud but themselves (spec commands stay fast).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDS, completeSpec, newClusterSpec, parseSpecText, parseStoredText, toYaml, validateSpecSet } from '../../src/api/index.js';
import type { CloudProvider } from '../../src/api/index.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { HoistError, ValidationError } from '../../src/errors.js';
import { providerOf, SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { cluster, groups } from './fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const kops = (file: string) => readFileSync(join(ROOT, 'test/fixtures/kops-specs', file), 'utf8');

const ZONES: Record<CloudProvider, string[]> = { aws: ['us-east-1a'], gce: ['us-central1-a'], local: ['local-a'] };

/** A new cluster of `cloud` with one problem only that cloud's rules see. */
function brokenFor(cloud: CloudProvider) {
  const s = newClusterSpec({ name: `rules.${cloud}.example.com`, cloud, zones: ZONES[cloud], project: 'p' }, SPEC_RULES);
  const broken = {
    aws: { ...s, instanceGroups: s.instanceGroups.map((ig) => ({ ...ig, spec: { ...ig.spec, image: 'ubuntu-24.04' } })) },
    gce: { ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, project: undefined } } },
    local: { ...s, instanceGroups: s.instanceGroups.map((ig) => ({ ...ig, spec: { ...ig.spec, machineType: 'local.huge' } })) },
  }[cloud];
  return completeSpec(broken.cluster, broken.instanceGroups);
}

function refusal(run: () => unknown): HoistError {
  try {
    run();
  } catch (e) {
    if (e instanceof HoistError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('the spec rules of each cloud', () => {
  it.each(CLOUDS)('%s: the registry holds its own rules, and its provider validates with them', async (cloud) => {
    expect(SPEC_RULES[cloud].cloud).toBe(cloud);
    expect(specRulesOf(cloud)).toBe(SPEC_RULES[cloud]);
    const broken = brokenFor(cloud);
    const problems = validateSpecSet(broken.cluster, broken.instanceGroups, specRulesOf(cloud));
    expect(problems.length).toBeGreaterThan(0);
    expect((await providerOf(cloud)).validate(broken)).toEqual(problems);
    // The same problems, with path, value and fix, when a builder is handed the spec unvalidated.
    const e = refusal(() => settleSpec({ ...broken, cluster: { ...broken.cluster, spec: { ...broken.cluster.spec, region: undefined } } }, specRulesOf(cloud)));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).problems).toEqual(expect.arrayContaining(problems));
  });

  it('are refused for a cluster on another cloud: a caller cannot check a spec with the wrong ones', () => {
    const e = refusal(() => validateSpecSet(cluster(), groups(), specRulesOf('gce')));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe('the spec rules of gce were given for a cluster on aws');
  });

  it('adjust each imported kops document by its own cluster\'s cloud, in a file of two clusters on two clouds', () => {
    const docs = parseSpecText(`${kops('complex.yaml')}\n---\n${kops('minimal_gce.yaml')}`, 'two.yaml', SPEC_RULES);
    const gceMaster = docs.find((d) => d.object.metadata.name === 'master-us-test1-a');
    expect(gceMaster?.converted?.dropped.map((d) => d.path)).toContain('spec.cloudLabels.testCloudLabel');
    const awsCluster = docs.find((d) => d.kind === 'Cluster' && d.object.spec.cloudProvider === 'aws');
    // GCE's label rules are not AWS's: the AWS cluster keeps labels GCE would refuse.
    expect(awsCluster?.object.spec.cloudLabels).toEqual({ Owner: 'John Doe', 'foo/bar': 'fib+baz' });
    // AWS looks kops's image names up (owner/name): its groups keep theirs.
    const awsGroups = docs.filter((d) => d.kind === 'InstanceGroup' && d.object.metadata.labels?.['hoist.dev/cluster'] === awsCluster?.object.metadata.name);
    expect(awsGroups.length).toBeGreaterThan(0);
    for (const g of awsGroups) {
      expect((g.object.spec as { image?: string }).image).toMatch(/^[^/]+\/\S+$/);
      expect(g.converted?.dropped.map((d) => d.path)).not.toContain('spec.image');
    }
  });
});

describe('the state store', () => {
  it('reads hoist\'s own documents, and refuses a kops document rather than importing it', () => {
    const text = toYaml(cluster());
    expect(parseStoredText(text, 'config')[0]?.object).toEqual(cluster());
    const e = refusal(() => parseStoredText(kops('minimal-aws.yaml'), 'config'));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).problems[0]).toMatchObject({ path: 'apiVersion', value: 'kops.k8s.io/v1alpha2', message: 'is a kops document, which the state store never holds' });
  });
});

/** The modules a file imports at load (not `import type`, not `import()`), resolved to repository paths. */
function staticImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)';/gms)].map((m) => m[1] ?? '');
  return specifiers.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.js$/, '.ts') : s));
}

function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const file = todo.pop() ?? '';
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.ts')) todo.push(...staticImports(file));
  }
  return seen;
}

describe('where the rules live', () => {
  it('src/api imports nothing from cloudup', () => {
    const files = readdirSync(join(ROOT, 'src/api')).filter((f) => f.endsWith('.ts'));
    for (const f of files) expect(staticImports(`src/api/${f}`).filter((s) => s.startsWith('cloudup/')), f).toEqual([]);
  });

  it('the registry loads each cloud\'s spec rules and nothing else of the cloud: no SDK, no session', () => {
    const loaded = [...closure('cloudup/providers.ts')];
    const ofClouds = loaded.filter((f) => /^cloudup\/(aws|gce|local)\//.test(f)).sort();
    expect(ofClouds).toEqual([
      'cloudup/aws/api-rules.ts', 'cloudup/aws/group-rules.ts', 'cloudup/aws/irsa-rules.ts', 'cloudup/aws/route-rules.ts', 'cloudup/aws/spec-rules.ts', 'cloudup/aws/tag-rules.ts', 'cloudup/aws/webhook-rules.ts',
      'cloudup/gce/apiserver-role.ts', 'cloudup/gce/egress-rules.ts', 'cloudup/gce/existing-account.ts', 'cloudup/gce/iam-names.ts', 'cloudup/gce/regional.ts', 'cloudup/gce/spec-rules.ts',
      'cloudup/gce/workload-identity-names.ts', 'cloudup/gce/workload-identity-rules.ts',
      'cloudup/local/spec-rules.ts',
    ]);
    const packages = loaded.filter((f) => !f.includes('/') || f.startsWith('@'));
    expect(packages.filter((p) => /aws-sdk|google|kubernetes|etcd/.test(p))).toEqual([]);
  });
});
