/**
 * The terraform target for a cluster in a VPC it does not own: the VPC, its internet gateway and
 * a subnet given by id are data sources (read, never managed), checked against the spec by
 * postconditions; apply, a plan with no changes, a refused plan when the spec's CIDR differs
 * from the VPC's, and a destroy that leaves the shared objects in place.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { testAccount } from '../aws/support.js';
import type { TestAccount } from '../aws/support.js';
import { tempDir } from '../support/cli.js';
import { motoUrl } from '../support/moto.js';
import { moduleOf, writeModule } from './fixture.js';
import { emulatorVariables, setupTerraform } from './terraform.js';
import type { Terraform } from './terraform.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const NAME = 'shared.tf.example.com';
// Terraform refuses topology.dns.type None, which a cluster without a zone has: the zone exists in moto.
const DNS_ZONE = 'tf.example.com';
const STEP_MS = 5 * 60_000;
let account: TestAccount;
let dir: { path: string; cleanup: () => Promise<void> };
let terraform: Terraform;
let moduleDir: string;
let varFile: string;
let vpcId: string;
let igwId: string;
let subnetId: string;

function spec(networkCIDR: string): CompletedSpec {
  const s = newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a', 'us-east-1b'], networkID: vpcId, networkCIDR: '10.50.0.0/16', topology: 'public', dnsZone: DNS_ZONE, sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVk6LxA0l1pLMSk9YDbH+8FbG5S5HhX2O4kAmY2Dwhj test@hoist', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const subnets = s.cluster.spec.subnets.map((sub, i) => (i === 0 ? { ...sub, id: subnetId } : sub));
  return completeSpec({ ...s.cluster, spec: { ...s.cluster.spec, networkCIDR, subnets } }, s.instanceGroups);
}

const plan = (...extra: string[]) => terraform.run(['plan', '-detailed-exitcode', '-input=false', '-no-color', ...extra, `-var-file=${varFile}`], moduleDir);

beforeAll(async () => {
  account = await testAccount();
  dir = await tempDir('hoist-terraform-shared-');
  moduleDir = join(dir.path, 'module');
  const { ec2 } = account.clients;
  await account.clients.route53.send(new CreateHostedZoneCommand({ Name: DNS_ZONE, CallerReference: `${Date.now()}` }));
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
  igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  // The CIDR hoist carves for the first zone, so that the spec and the subnet agree.
  subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.50.32.0/19', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
  terraform = await setupTerraform(join(dir.path, 'terraform-home'), { AWS_ACCESS_KEY_ID: account.env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: account.env.AWS_SECRET_ACCESS_KEY!, AWS_EC2_METADATA_DISABLED: 'true' });
  varFile = join(dir.path, 'moto.tfvars.json');
  await writeFile(varFile, JSON.stringify(emulatorVariables(motoUrl()), null, 2));
});

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('the terraform target in a shared VPC', () => {
  it('reads the VPC, its gateway and the given subnet as data sources', async () => {
    await writeModule(moduleDir, await moduleOf(spec('10.50.0.0/16'), `s3://${account.bucket}/clusters`));
    const module = JSON.parse(await readFile(join(moduleDir, 'kubernetes.tf.json'), 'utf8')) as { data: Record<string, object>; resource: Record<string, object> };
    expect(Object.keys(module.data).sort()).toEqual(['aws_internet_gateway', 'aws_route53_zone', 'aws_subnet', 'aws_vpc']);
    expect(module.resource['aws_vpc']).toBeUndefined();
    expect(Object.keys(module.resource['aws_subnet'] ?? {})).toEqual(['us-east-1b-shared-tf-example-com']);
  });

  it('applies, and plans no changes after', { timeout: 3 * STEP_MS }, async () => {
    const init = await terraform.run(['init', '-input=false', '-no-color', `-plugin-dir=${terraform.pluginDir}`], moduleDir);
    expect(init.code, init.stderr).toBe(0);
    const apply = await terraform.run(['apply', '-auto-approve', '-input=false', '-no-color', `-var-file=${varFile}`], moduleDir);
    expect(apply.code, apply.stderr || apply.stdout.slice(-4000)).toBe(0);
    const again = await plan();
    expect(again.code, again.stderr || again.stdout.slice(-4000)).toBe(0);
  });

  it('refuses to plan when the VPC is not what the spec says', { timeout: STEP_MS }, async () => {
    await writeModule(moduleDir, await moduleOf(spec('10.60.0.0/16'), `s3://${account.bucket}/clusters`));
    // Data sources are read, and their postconditions checked, with or without a refresh of the managed objects.
    const refused = await plan('-refresh=false');
    expect(refused.code).toBe(1);
    expect(refused.stderr.replace(/\s+/g, ' ')).toContain(`VPC ${vpcId}: cidr_block differs from the spec`);
    await writeModule(moduleDir, await moduleOf(spec('10.50.0.0/16'), `s3://${account.bucket}/clusters`));
  });

  it('destroys what it made and leaves the shared objects', { timeout: STEP_MS }, async () => {
    // No refresh: the plan after the apply has just read every object back and found the state current.
    const destroy = await terraform.run(['destroy', '-auto-approve', '-input=false', '-no-color', '-refresh=false', `-var-file=${varFile}`], moduleDir);
    expect(destroy.code, destroy.stderr || destroy.stdout.slice(-4000)).toBe(0);
    const { ec2 } = account.clients;
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs).toHaveLength(1);
    expect((await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igwId] }))).InternetGateways?.[0]?.Attachments?.[0]?.VpcId).toBe(vpcId);
    const left = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets!;
    expect(left.map((s) => s.SubnetId)).toEqual([subnetId]);
  });
});
