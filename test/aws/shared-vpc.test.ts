/**
 * A cluster in a VPC it does not own (`--network-id`), using two of its subnets by id and one
 * subnet of its own: apply and delete leave the VPC, its gateway and its subnets in place.
 */

import { join } from 'node:path';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
} from '@aws-sdk/client-ec2';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, tempDir } from '../support/cli.js';
import { scanCluster } from './scan.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'shared.aws.example.com';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let vpcId: string;
let igwId: string;
const subnetIds: string[] = [];

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const tagKeys = (list: { Key?: string }[] | undefined) => (list ?? []).map((t) => t.Key);

beforeAll(async () => {
  account = await testAccount();
  Object.assign(process.env, account.env);
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-shared-');
  const { ec2 } = account.clients;
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
  igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  // The CIDRs hoist carves for these zones, so that the spec and the subnets agree.
  for (const [zone, cidr] of [['us-east-1a', '10.50.32.0/19'], ['us-east-1b', '10.50.64.0/19']] as const) {
    subnetIds.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!);
  }

  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b', '--network-id', vpcId, '--network-cidr', '10.50.0.0/16']);
  expect(created.code, created.stderr).toBe(0);
  const cluster = parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout);
  expect(cluster.spec.subnets.map((s: { cidr: string }) => s.cidr)).toEqual(['10.50.32.0/19', '10.50.64.0/19']);
  cluster.spec.subnets = [
    ...cluster.spec.subnets.map((s: object, i: number) => ({ ...s, id: subnetIds[i] })),
    { name: 'utility-us-east-1a', zone: 'us-east-1a', type: 'Utility', cidr: '10.50.4.0/22' },
  ];
  const replaced = await run(['replace', '-f', '-'], stringify(cluster));
  expect(replaced.code, replaced.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
});

afterAll(async () => {
  const { ec2 } = account.clients;
  for (const id of subnetIds) await ec2.send(new DeleteSubnetCommand({ SubnetId: id })).catch(() => undefined);
  await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId })).catch(() => undefined);
  await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId })).catch(() => undefined);
  await ec2.send(new DeleteVpcCommand({ VpcId: vpcId })).catch(() => undefined);
  await dir?.cleanup();
  account?.close();
});

describe('a cluster in a shared VPC', () => {
  it('uses the VPC, its gateway and its subnets without changing them', async () => {
    const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
    const plan = JSON.parse(planned.stdout) as { changes: { id: string; action: string; lifecycle: string }[] };
    const shared = plan.changes.filter((c) => c.lifecycle === 'ExistsAndValidates').map((c) => `${c.action} ${c.id}`).sort();
    expect(shared).toEqual([`noop InternetGateway/${vpcId}`, ...subnetIds.map((id) => `noop Subnet/${id}`).sort(), `noop VPC/${vpcId}`]);

    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const again = await run(['update', 'cluster', NAME, '--detailed-exitcode', '-v']);
    expect(again.code, again.stdout).toBe(0);
    // The shared VPC, its subnets and its gateway are looked up by id: a call each, no more.
    expect(Number(/discovered the live state with (\d+) API calls/.exec(again.stderr)?.[1])).toBeLessThanOrEqual(22);

    const { ec2 } = account.clients;
    const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!;
    expect(tagKeys(vpc.Tags)).toEqual([]);
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets!;
    expect(subnets.filter((s) => subnetIds.includes(s.SubnetId!)).map((s) => tagKeys(s.Tags))).toEqual([[], []]);
    const own = subnets.filter((s) => !subnetIds.includes(s.SubnetId!));
    expect(own.map((s) => s.CidrBlock)).toEqual(['10.50.4.0/22']);
  });

  it('deletes only what it made', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await scanCluster(account, NAME)).toEqual([]);
    const { ec2 } = account.clients;
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs).toHaveLength(1);
    expect((await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igwId] }))).InternetGateways?.[0]?.Attachments?.[0]?.VpcId).toBe(vpcId);
    const left = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets!.map((s) => s.SubnetId).sort();
    expect(left).toEqual([...subnetIds].sort());
  });
});
