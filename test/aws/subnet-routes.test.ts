/**
 * subnets[].additionalRoutes on moto: a private subnet's route to a transit gateway made in moto
 * beforehand is applied into its zone's private route table and a second plan finds nothing to
 * change; a route to a VPC peering connection of the cluster's VPC is added next to it; the
 * route taken off the spec is deleted, the other kept; the Terraform output of routes to every
 * kind of target passes the real terraform's validate; deleting the cluster takes the routes
 * with their table.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AcceptVpcPeeringConnectionCommand,
  CreateTransitGatewayCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import type { Route } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Cluster, Subnet } from '../../src/api/index.js';
import { hoist, tempDir } from '../support/cli.js';
import { validateModule } from '../terraform/terraform.js';
import { applyThenNoChanges, testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'routes.aws.example.com';
const TABLE = `private-us-east-1a.${NAME}`;
const byCluster = [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }];
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let tgw: string;
let pcx: string;
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const ec2 = () => account.clients.ec2;

/** Sets the additional routes of the cluster's private subnet (us-east-1a) with `replace -f`. */
async function setRoutes(name: string, routes: Subnet['additionalRoutes']): Promise<void> {
  const cluster = parse((await run(['get', 'cluster', name, '-o', 'yaml'])).stdout) as Cluster;
  const subnets = cluster.spec.subnets.map((s) => (s.type === 'Private' ? { ...s, additionalRoutes: routes } : s));
  const replaced = await run(['replace', '-f', '-'], stringify({ ...cluster, spec: { ...cluster.spec, subnets } }));
  expect(replaced.code, replaced.stderr).toBe(0);
}

/** The routes hoist was asked for in the zone's private route table: destination → target. */
async function privateRoutes(): Promise<Record<string, string>> {
  const tables = (await ec2().send(new DescribeRouteTablesCommand({ Filters: [...byCluster, { Name: 'tag:Name', Values: [TABLE] }] }))).RouteTables ?? [];
  expect(tables).toHaveLength(1);
  const target = (r: Route) => r.TransitGatewayId ?? r.VpcPeeringConnectionId ?? r.NatGatewayId ?? r.GatewayId ?? '';
  return Object.fromEntries((tables[0]?.Routes ?? []).filter((r) => r.Origin === 'CreateRoute').map((r) => [r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock, target(r)]));
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-routes-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  tgw = (await ec2().send(new CreateTransitGatewayCommand({ Description: 'routes test' }))).TransitGateway!.TransitGatewayId!;
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('additional routes of a private subnet on AWS', () => {
  it('routes to a transit gateway from the zone\'s private route table, then has nothing to change', async () => {
    await setRoutes(NAME, [{ cidr: '10.100.0.0/16', target: tgw }]);
    const planned = await run(['update', 'cluster', NAME]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`Route/10.100.0.0/16.${TABLE}`);
    await applyThenNoChanges(run, NAME);
    const routes = await privateRoutes();
    expect(routes['10.100.0.0/16']).toBe(tgw);
    expect(routes['0.0.0.0/0']).toMatch(/^nat-/);
  }, 300_000);

  it('adds a route to a peering connection of the cluster\'s VPC beside it', async () => {
    const [vpc] = (await ec2().send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs ?? [];
    const peer = (await ec2().send(new CreateVpcCommand({ CidrBlock: '10.200.0.0/16' }))).Vpc!.VpcId!;
    pcx = (await ec2().send(new CreateVpcPeeringConnectionCommand({ VpcId: vpc!.VpcId!, PeerVpcId: peer }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await ec2().send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
    await setRoutes(NAME, [{ cidr: '10.100.0.0/16', target: tgw }, { cidr: '10.200.0.0/16', target: pcx }]);
    await applyThenNoChanges(run, NAME);
    expect(await privateRoutes()).toMatchObject({ '10.100.0.0/16': tgw, '10.200.0.0/16': pcx });
  }, 300_000);

  it('deletes the route taken off the spec and keeps the rest', async () => {
    await setRoutes(NAME, [{ cidr: '10.200.0.0/16', target: pcx }]);
    const planned = await run(['update', 'cluster', NAME]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('Will delete resources:');
    expect(planned.stdout).toContain(`Route/10.100.0.0/16.${TABLE}  (no longer in the spec)`);
    expect(planned.stdout).toContain('1 to delete');
    await applyThenNoChanges(run, NAME);
    const routes = await privateRoutes();
    expect(routes['10.100.0.0/16']).toBeUndefined();
    expect(routes['10.200.0.0/16']).toBe(pcx);
    expect(routes['0.0.0.0/0']).toMatch(/^nat-/);
  }, 300_000);

  it('renders aws_route with each target\'s attribute, which terraform validates', async () => {
    // Terraform output wants the API's DNS name: a cluster of its own, in a zone, never applied.
    const named = 'routes-tf.example.com';
    const created = await run(['create', 'cluster', named, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private', '--dns-zone', 'example.com']);
    expect(created.code, created.stderr).toBe(0);
    await setRoutes(named, [
      { cidr: '10.100.0.0/16', target: 'tgw-0123456789abcdef0' },
      { cidr: '10.101.0.0/16', target: 'pcx-0123456789abcdef0' },
      { cidr: '10.102.0.0/16', target: 'nat-0123456789abcdef0' },
      { cidr: '10.103.0.0/16', target: 'i-0123456789abcdef0' },
      { cidr: '10.104.0.0/16', target: 'vpce-0123456789abcdef0' },
      { cidr: '10.105.0.0/16', target: 'igw-0123456789abcdef0' },
    ]);
    const out = join(dir.path, 'tf');
    const rendered = await run(['update', 'cluster', named, '--target', 'terraform', '--out', out]);
    expect(rendered.code, rendered.stderr).toBe(0);
    type Blocks = Record<string, Record<string, Record<string, unknown>>>;
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { resource: Blocks; data: Blocks };
    const routes = Object.values(module.resource['aws_route'] ?? {}).filter((r) => String(r['destination_cidr_block']).startsWith('10.10'));
    const byDestination = Object.fromEntries(routes.map((r) => [r['destination_cidr_block'], Object.keys(r).filter((k) => !['route_table_id', 'destination_cidr_block', 'depends_on'].includes(k))]));
    expect(byDestination).toEqual({
      '10.100.0.0/16': ['transit_gateway_id'],
      '10.101.0.0/16': ['vpc_peering_connection_id'],
      '10.102.0.0/16': ['nat_gateway_id'],
      '10.103.0.0/16': ['network_interface_id'],
      '10.104.0.0/16': ['vpc_endpoint_id'],
      '10.105.0.0/16': ['gateway_id'],
    });
    // The provider routes to an instance by its network interface: read from the instance.
    const instance = routes.find((r) => r['destination_cidr_block'] === '10.103.0.0/16');
    expect(instance?.['network_interface_id']).toMatch(/^\$\{data\.aws_instance\.[\w-]+\.network_interface_id\}$/);
    expect(Object.values(module.data['aws_instance'] ?? {})).toEqual([{ instance_id: 'i-0123456789abcdef0' }]);

    const validated = await validateModule(join(dir.path, 'tf-home'), out);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
  }, 120_000);

  it('goes with the cluster', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect((await ec2().send(new DescribeRouteTablesCommand({ Filters: byCluster }))).RouteTables).toEqual([]);
    expect((await ec2().send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs).toEqual([]);
  }, 300_000);
});
