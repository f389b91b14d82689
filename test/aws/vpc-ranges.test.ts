/**
 * spec.additionalNetworkCIDRs on moto: the range is associated with the cluster's VPC before a
 * subnet inside it is made, a second plan finds nothing to change, `--target terraform` names it
 * as an `aws_vpc_ipv4_cidr_block_association` (for a second cluster, never applied), and deleting
 * the cluster takes it with the VPC.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'ranges.aws.example.com';
const RANGE = '10.1.0.0/16';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

async function clusterVpc() {
  const out = await account.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }] }));
  return out.Vpcs ?? [];
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-ranges-');
  await createWithRange(NAME);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
}, 120_000);

/** A cluster with no nodes, the range, and a subnet inside the range. */
async function createWithRange(name: string, ...flags: string[]): Promise<void> {
  const created = await run(['create', 'cluster', name, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', ...flags]);
  expect(created.code, created.stderr).toBe(0);
  const cluster = parse((await run(['get', 'cluster', name, '-o', 'yaml'])).stdout) as { spec: { subnets: object[] } };
  const spec = { ...cluster.spec, additionalNetworkCIDRs: [RANGE], subnets: [...cluster.spec.subnets, { name: 'extra-us-east-1a', zone: 'us-east-1a', type: 'Public', cidr: '10.1.0.0/20' }] };
  const replaced = await run(['replace', '-f', '-'], stringify({ ...cluster, spec }));
  expect(replaced.code, replaced.stderr).toBe(0);
}

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('additionalNetworkCIDRs on AWS', () => {
  it('associates the range with the VPC, makes the subnet inside it, then has nothing to change', async () => {
    const planned = await run(['update', 'cluster', NAME]);
    expect(planned.stdout).toContain(`VPCCIDRBlock/10.1.0.0-16`);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const [vpc] = await clusterVpc();
    const held = (vpc?.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State === 'associated').map((a) => a.CidrBlock);
    expect(held.sort()).toEqual([RANGE, vpc?.CidrBlock].sort());
    const subnets = await account.clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc!.VpcId!] }] }));
    expect(subnets.Subnets?.map((s) => s.CidrBlock)).toContain('10.1.0.0/20');

    const again = await run(['update', 'cluster', NAME]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes: the cloud matches the spec');
  });

  it('is an aws_vpc_ipv4_cidr_block_association in the Terraform output, which the subnet waits for', async () => {
    // Terraform output wants the API's DNS name: a cluster of its own, in a zone, never applied.
    const named = 'ranges-tf.example.com';
    await createWithRange(named, '--dns-zone', 'example.com');
    const out = join(dir.path, 'tf');
    const rendered = await run(['update', 'cluster', named, '--target', 'terraform', '--out', out]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { resource: Record<string, Record<string, { vpc_id?: string; cidr_block?: string; depends_on?: string[] }>> };
    const associations = Object.values(module.resource['aws_vpc_ipv4_cidr_block_association'] ?? {});
    expect(associations.map((a) => a.cidr_block)).toEqual([RANGE]);
    const extra = Object.entries(module.resource['aws_subnet'] ?? {}).find(([, s]) => s.cidr_block === '10.1.0.0/20');
    expect(JSON.stringify(extra?.[1].depends_on ?? [])).toContain('aws_vpc_ipv4_cidr_block_association.');
  });

  it('goes with the cluster', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect(await clusterVpc()).toEqual([]);
  });
});
