/**
 * `terraform validate` (the real terraform, offline) of the Terraform output of the terraform
 * tests' cluster with the groups of test/aws/group-fields.ts: spot, a mixed-instances policy,
 * IMDSv2, additionalUserData, root volume settings, an extra volume and the Auto Scaling
 * group's settings are arguments the hashicorp/aws provider accepts.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, validateSpecSet } from '../../src/api/index.js';
import { specRulesOf } from '../../cloudup/providers.js';
import { tempDir } from '../support/cli.js';
import { CLUSTER, fixtureSpec, moduleOf, writeModule } from '../terraform/fixture.js';
import { setupTerraform } from '../terraform/terraform.js';
import { groups } from './group-fields.js';

let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir('hoist-tf-fields-');
});

afterAll(async () => {
  await dir?.cleanup();
});

describe('the Terraform output of groups with the kops machine fields', () => {
  it('passes terraform validate', async () => {
    const base = fixtureSpec();
    const spec = completeSpec(base.cluster, [...base.instanceGroups, ...groups(CLUSTER, 'us-east-1b')]);
    expect(validateSpecSet(spec.cluster, spec.instanceGroups, specRulesOf('aws'))).toEqual([]);
    const out = join(dir.path, 'module');
    await writeModule(out, await moduleOf(spec, 's3://hoist-state/clusters'));
    const terraform = await setupTerraform(join(dir.path, 'terraform-home'), { AWS_EC2_METADATA_DISABLED: 'true' });
    const init = await terraform.run(['init', '-input=false', '-no-color', `-plugin-dir=${terraform.pluginDir}`], out);
    expect(init.code, init.stderr || init.stdout).toBe(0);
    const validate = await terraform.run(['validate', '-no-color'], out);
    expect(validate.code, validate.stderr || validate.stdout).toBe(0);
    expect(validate.stdout).toContain('The configuration is valid.');
  }, 120_000);
});
