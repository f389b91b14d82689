/**
 * A Private subnet's `egress: tgw-…` on AWS, as kops has it: the zone's private route table
 * sends its default route (and NAT64 in an IPv6 cluster) to the transit gateway, and the zone
 * gets no NAT gateway; a zone without it keeps its own. On moto: an applied cluster moved from
 * its NAT gateway to a transit gateway made in moto beforehand loses the NAT gateway and its
 * Elastic IP, its route points at the transit gateway, and a second plan finds nothing to
 * change; and back again. The Terraform output routes to the transit gateway
 * (`transit_gateway_id`), which the real terraform validates.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTransitGatewayCommand, DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { completeSpec, newClusterSpec, validateSpecSet } from '../../src/api/index.js';
import type { Cluster } from '../../src/api/index.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { hoist, tempDir } from '../support/cli.js';
import { validateModule } from '../terraform/terraform.js';
import { applyThenNoChanges, testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const TGW = 'tgw-0123456789abcdef0';

describe('the AWS model of a transit gateway egress', () => {
  const boot = testBoot({ stateStore: 's3://state/clusters', configHash: (ig: string) => `sha256:${ig}` });
  const model = (ipv6 = false) => {
    const s = newClusterSpec({ name: 'egress.example.com', cloud: 'aws', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', dnsZone: 'example.com' }, SPEC_RULES);
    const c = s.cluster.spec;
    const subnets = c.subnets.map((x, i) => ({ ...(x.type === 'Private' && x.zone === 'us-east-1a' ? { ...x, egress: TGW } : x), ...(ipv6 ? { ipv6CIDR: `/64#${i}` } : {}) }));
    const cluster = { ...s.cluster, spec: { ...c, subnets, ...(ipv6 ? { nonMasqueradeCIDR: '::/0', networking: { cilium: {} } } : {}) } };
    const done = completeSpec(cluster, s.instanceGroups);
    expect(validateSpecSet(done.cluster, done.instanceGroups, specRulesOf('aws'))).toEqual([]);
    const tasks = buildAwsTasks(done, boot);
    return { tasks, named: (id: string) => tasks.find((t) => `${t.kind}/${t.name}` === id) };
  };

  it('routes the zone to the transit gateway and makes its NAT gateway only for the other zone', () => {
    const { tasks, named } = model();
    expect(tasks.filter((t) => t.kind === 'NatGateway').map((t) => t.name)).toEqual(['us-east-1b.egress.example.com']);
    expect(tasks.filter((t) => t.kind === 'ElasticIP').map((t) => t.name)).toEqual(['us-east-1b.egress.example.com']);
    expect(named('Route/0.0.0.0/0.private-us-east-1a.egress.example.com')?.desired).toEqual({ routeTableId: expect.anything(), destinationCidrBlock: '0.0.0.0/0', transitGatewayId: TGW });
    expect(named('Route/0.0.0.0/0.private-us-east-1b.egress.example.com')?.desired).toMatchObject({ natGatewayId: expect.anything() });
  });

  it('sends NAT64 there too in an IPv6 cluster, and IPv6 out through the egress-only gateway', () => {
    const { named } = model(true);
    expect(named('Route/64:ff9b::/96.private-us-east-1a.egress.example.com')?.desired).toMatchObject({ destinationIpv6CidrBlock: '64:ff9b::/96', transitGatewayId: TGW });
    expect(named('Route/::/0.private-us-east-1a.egress.example.com')?.desired).toMatchObject({ egressOnlyInternetGatewayId: expect.anything() });
  });
});

const NAME = 'egress.aws.example.com';
const TABLE = `private-us-east-1a.${NAME}`;
const byCluster = [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }];
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let tgw: string;
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const ec2 = () => account.clients.ec2;

/** Sets (or, undefined, takes off) the egress of the cluster's Private subnets with `replace -f`. */
async function setEgress(name: string, egress: string | undefined): Promise<void> {
  const cluster = parse((await run(['get', 'cluster', name, '-o', 'yaml'])).stdout) as Cluster;
  const subnets = cluster.spec.subnets.map((s) => {
    if (s.type !== 'Private') return s;
    const { egress: _old, ...rest } = s;
    return egress === undefined ? rest : { ...rest, egress };
  });
  const replaced = await run(['replace', '-f', '-'], stringify({ ...cluster, spec: { ...cluster.spec, subnets } }));
  expect(replaced.code, replaced.stderr).toBe(0);
}

/** The default route of the zone's private route table: its target's id. */
async function defaultRoute(): Promise<string | undefined> {
  const tables = (await ec2().send(new DescribeRouteTablesCommand({ Filters: [...byCluster, { Name: 'tag:Name', Values: [TABLE] }] }))).RouteTables ?? [];
  expect(tables).toHaveLength(1);
  const route = tables[0]?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
  return route?.TransitGatewayId ?? route?.NatGatewayId;
}

async function liveNatGateways(): Promise<string[]> {
  const found = (await ec2().send(new DescribeNatGatewaysCommand({ Filter: byCluster }))).NatGateways ?? [];
  return found.filter((n) => n.State !== 'deleted' && n.State !== 'deleting').map((n) => n.NatGatewayId!);
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-egress-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  tgw = (await ec2().send(new CreateTransitGatewayCommand({ Description: 'egress test' }))).TransitGateway!.TransitGatewayId!;
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('a transit gateway egress on AWS', () => {
  it('starts with the zone\'s NAT gateway', async () => {
    await applyThenNoChanges(run, NAME);
    expect(await defaultRoute()).toMatch(/^nat-/);
    expect(await liveNatGateways()).toHaveLength(1);
  }, 300_000);

  it('moves the zone\'s default route to the transit gateway and deletes the NAT gateway, then has nothing to change', async () => {
    await setEgress(NAME, tgw);
    const planned = await run(['update', 'cluster', NAME]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`NatGateway/us-east-1a.${NAME}`);
    expect(planned.stdout).toContain(`ElasticIP/us-east-1a.${NAME}`);
    expect(planned.stdout).toContain(`Route/0.0.0.0/0.${TABLE}`);
    await applyThenNoChanges(run, NAME);
    expect(await defaultRoute()).toBe(tgw);
    expect(await liveNatGateways()).toEqual([]);
    const addresses = (await ec2().send(new DescribeAddressesCommand({ Filters: byCluster }))).Addresses ?? [];
    expect(addresses).toEqual([]);
  }, 300_000);

  it('gives the zone a NAT gateway again when the egress is taken off', async () => {
    await setEgress(NAME, undefined);
    await applyThenNoChanges(run, NAME);
    const [nat] = await liveNatGateways();
    expect(nat).toMatch(/^nat-/);
    expect(await defaultRoute()).toBe(nat);
  }, 300_000);

  it('renders the default route with transit_gateway_id and no NAT gateway, which terraform validates', async () => {
    // Terraform output wants the API's DNS name: a cluster of its own, in a zone, never applied.
    const named = 'egress-tf.example.com';
    const created = await run(['create', 'cluster', named, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private', '--dns-zone', 'example.com']);
    expect(created.code, created.stderr).toBe(0);
    await setEgress(named, TGW);
    const out = join(dir.path, 'tf');
    const rendered = await run(['update', 'cluster', named, '--target', 'terraform', '--out', out]);
    expect(rendered.code, rendered.stderr).toBe(0);
    type Blocks = Record<string, Record<string, Record<string, unknown>>>;
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { resource: Blocks };
    const routes = Object.values(module.resource['aws_route'] ?? {}).filter((r) => r['destination_cidr_block'] === '0.0.0.0/0' && r['gateway_id'] === undefined);
    expect(routes).toEqual([expect.objectContaining({ transit_gateway_id: TGW })]);
    expect(routes[0]?.['nat_gateway_id']).toBeUndefined();
    expect(module.resource['aws_nat_gateway']).toBeUndefined();
    expect(module.resource['aws_eip']).toBeUndefined();
    const validated = await validateModule(join(dir.path, 'tf-home'), out);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
  }, 120_000);

  it('goes with the cluster', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect((await ec2().send(new DescribeRouteTablesCommand({ Filters: byCluster }))).RouteTables).toEqual([]);
  }, 300_000);
});
