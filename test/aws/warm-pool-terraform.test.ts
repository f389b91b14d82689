/**
 * `terraform validate` (the real terraform, offline) of the Terraform output of the terraform
 * tests' cluster with kops's warmPool: each Node group's aws_autoscaling_group has its
 * `warm_pool` block (the Cluster's pool, a group's own sizes over it), a group with
 * enableLifecycleHook has its aws_autoscaling_lifecycle_hook (after the group, which it names), a group that opts out has neither,
 * and no WarmPool resource is left over (the provider has none).
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, validateSpecSet } from '../../src/api/index.js';
import { specRulesOf } from '../../cloudup/providers.js';
import { tempDir } from '../support/cli.js';
import { fixtureSpec, moduleOf, writeModule } from '../terraform/fixture.js';
import { validateModule } from '../terraform/terraform.js';

let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir('hoist-tf-warm-pool-');
});

afterAll(async () => {
  await dir?.cleanup();
});

type Resources = Record<string, Record<string, Record<string, unknown>>>;

describe('the Terraform output of warm pools', () => {
  it('is the groups\' warm_pool blocks and a lifecycle hook resource, and passes terraform validate', async () => {
    const base = fixtureSpec();
    const nodes = base.instanceGroups.filter((ig) => ig.spec.role === 'Node');
    expect(nodes.length).toBeGreaterThanOrEqual(1);
    const [first, ...rest] = nodes;
    const igs = base.instanceGroups.map((ig) =>
      ig === first ? { ...ig, spec: { ...ig.spec, warmPool: { maxSize: 5, enableLifecycleHook: true } } } : rest.includes(ig) ? { ...ig, spec: { ...ig.spec, warmPool: { maxSize: 0 } } } : ig,
    );
    const cluster = { ...base.cluster, spec: { ...base.cluster.spec, warmPool: { minSize: 1 } } };
    const spec = completeSpec(cluster, igs);
    expect(validateSpecSet(spec.cluster, spec.instanceGroups, specRulesOf('aws'))).toEqual([]);
    const module = await moduleOf(spec, 's3://hoist-state/clusters');
    const main = [...module.files.entries()].find(([path]) => path.endsWith('.tf.json'))![1];
    const resources = (JSON.parse(main) as { resource: Resources }).resource;
    const groups = Object.entries(resources['aws_autoscaling_group'] ?? {});
    const pools = Object.fromEntries(groups.map(([name, body]) => [name, body['warm_pool']]));
    const firstName = Object.keys(pools).find((n) => n.startsWith(first!.metadata.name))!;
    expect(pools[firstName]).toEqual([{ min_size: 1, max_group_prepared_capacity: 5 }]);
    expect(Object.entries(pools).filter(([n, p]) => n !== firstName && p !== undefined)).toEqual([]);
    const hooks = Object.values(resources['aws_autoscaling_lifecycle_hook'] ?? {});
    expect(hooks).toEqual([
      expect.objectContaining({ name: 'kops-warmpool', lifecycle_transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeat_timeout: 600, default_result: 'ABANDON', autoscaling_group_name: expect.stringMatching(new RegExp(`^${first!.metadata.name}\\.`)), depends_on: [`aws_autoscaling_group.${firstName}`] }),
    ]);
    const out = join(dir.path, 'module');
    await writeModule(out, module);
    const validated = await validateModule(join(dir.path, 'terraform-home'), out, { AWS_EC2_METADATA_DISABLED: 'true' });
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    expect(validated.stdout).toContain('The configuration is valid.');
  }, 120_000);
});
