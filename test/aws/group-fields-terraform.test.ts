/**
 * `terraform validate` (the real terraform, offline) of the Terraform output of the terraform
 * tests' cluster with the groups of test/aws/group-fields.ts: spot, a mixed-instances policy,
 * IMDSv2, additionalUserData, root volume settings, an extra volume and the Auto Scaling
 * group's settings are arguments the hashicorp/aws provider accepts. The same module's cluster has
 * the API load balancer's kops options (a TLS listener with its certificate and policy, cross-zone
 * load balancing, additional security groups, its utility subnets with an Elastic IP as
 * `subnet_mapping` blocks, its access log as `access_logs`), externalPolicies and a permissions boundary on
 * every IAM role, which it renders too; the groups' externalLoadBalancers, tenancy and EBS
 * optimization are the group's load_balancers and target_group_arns and the template's
 * placement and ebs_optimized.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, validateSpecSet } from '../../src/api/index.js';
import { specRulesOf } from '../../cloudup/providers.js';
import { tempDir } from '../support/cli.js';
import { CLUSTER, fixtureSpec, moduleOf, writeModule } from '../terraform/fixture.js';
import { validateModule } from '../terraform/terraform.js';
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
    const api = base.cluster.spec.api;
    const loadBalancer = {
      type: 'Public' as const,
      sslCertificate: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      crossZoneLoadBalancing: true,
      additionalSecurityGroups: ['sg-0123456789abcdef0'],
      subnets: [{ name: 'utility-us-east-1a', allocationId: 'eipalloc-0123456789abcdef0' }, { name: 'utility-us-east-1b' }],
      accessLog: { bucket: 'example-api-logs', bucketPrefix: 'api' },
    };
    const externalPolicies = { node: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'], 'control-plane': ['arn:aws:iam::123456789012:policy/plane'] };
    const iam = { permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundaries' };
    const cluster = { ...base.cluster, spec: { ...base.cluster.spec, api: { ...api, loadBalancer }, externalPolicies, iam } };
    const spec = completeSpec(cluster, [...base.instanceGroups, ...groups(CLUSTER, 'us-east-1b')]);
    expect(validateSpecSet(spec.cluster, spec.instanceGroups, specRulesOf('aws'))).toEqual([]);
    const out = join(dir.path, 'module');
    const module = await moduleOf(spec, 's3://hoist-state/clusters');
    const text = [...module.files.values()].join('\n');
    for (const argument of ['"certificate_arn"', '"ssl_policy"', '"enable_cross_zone_load_balancing"', '"security_groups"', '"aws_iam_role_policy_attachment"', '"TLS"', '"permissions_boundary"', '"load_balancers"', '"target_group_arns"', '"placement"', '"ebs_optimized"', '"subnet_mapping"', '"allocation_id"', '"access_logs"']) expect(text).toContain(argument);
    await writeModule(out, module);
    const validated = await validateModule(join(dir.path, 'terraform-home'), out, { AWS_EC2_METADATA_DISABLED: 'true' });
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    expect(validated.stdout).toContain('The configuration is valid.');
  }, 120_000);
});
