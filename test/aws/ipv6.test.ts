/**
 * An IPv6 cluster on moto (`create cluster --ipv6`, private topology, no nodes): the plan names
 * the IPv6 objects, the apply gives the VPC an Amazon-provided IPv6 block, each subnet its /64
 * (`/64#N` of the block), an egress-only internet gateway with `::/0` routes from the private
 * route table (and NAT64 through its NAT gateway) and through the internet gateway from the public one, `::/0` in the security
 * rules, and machines an IPv6 address and an IPv6 /80 prefix (the pods' range); a second plan finds nothing to change; the nodes'
 * configuration carries kops's IPv6 flags; the Terraform output names the same objects and the
 * real terraform validates it (an apply of it on moto, even of the network alone, takes a minute:
 * not here); deleting the cluster takes it all.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeEgressOnlyInternetGatewaysCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cidrOf, formatCidr } from '../../src/api/cidr.js';
import { hoist, tempDir } from '../support/cli.js';
import { validateModule } from '../terraform/terraform.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'ipv6.aws.example.com';
const byCluster = [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }];
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-ipv6-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private', '--ipv6']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

const ec2 = () => account.clients.ec2;

/** The /64 numbered `n` of the VPC's IPv6 block. */
function slot(block: string, n: number): string {
  const b = cidrOf(block)!;
  return formatCidr({ family: 6, base: b.base + (BigInt(n) << 64n), prefix: 64 });
}

describe('an IPv6 cluster on AWS', () => {
  it('plans the IPv6 objects, applies them, then has nothing to change', async () => {
    const planned = await run(['update', 'cluster', NAME]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`EgressOnlyInternetGateway/${NAME}`);
    expect(planned.stdout).toContain(`Route/::/0.private-us-east-1a.${NAME}`);
    expect(planned.stdout).toContain(`Route/::/0.${NAME}`);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const again = await run(['update', 'cluster', NAME]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes: the cloud matches the spec');
  });

  it('gave the VPC an Amazon IPv6 block, each subnet its /64 of it and the routes their way out', async () => {
    const [vpc] = (await ec2().send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs ?? [];
    const block = vpc?.Ipv6CidrBlockAssociationSet?.find((a) => a.Ipv6CidrBlockState?.State === 'associated');
    expect(block?.Ipv6Pool).toBe('Amazon');
    const subnets = (await ec2().send(new DescribeSubnetsCommand({ Filters: byCluster }))).Subnets ?? [];
    const ranges = Object.fromEntries(subnets.map((s) => [s.Tags?.find((t) => t.Key === 'Name')?.Value, s.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock]));
    expect(ranges).toEqual({ [`us-east-1a.${NAME}`]: slot(block!.Ipv6CidrBlock!, 0), [`utility-us-east-1a.${NAME}`]: slot(block!.Ipv6CidrBlock!, 1) });
    expect(subnets.every((s) => s.AssignIpv6AddressOnCreation === true)).toBe(true);

    const gateways = ((await ec2().send(new DescribeEgressOnlyInternetGatewaysCommand({}))).EgressOnlyInternetGateways ?? []).filter((g) => g.Tags?.some((t) => t.Key === 'hoist.dev/cluster' && t.Value === NAME));
    expect(gateways.map((g) => g.Attachments?.[0]?.VpcId)).toEqual([vpc!.VpcId]);
    const tables = (await ec2().send(new DescribeRouteTablesCommand({ Filters: byCluster }))).RouteTables ?? [];
    const v6 = (name: string) => tables.find((t) => t.Tags?.some((x) => x.Key === 'Name' && x.Value === name))?.Routes?.find((r) => r.DestinationIpv6CidrBlock === '::/0');
    expect(v6(`private-us-east-1a.${NAME}`)?.EgressOnlyInternetGatewayId).toBe(gateways[0]!.EgressOnlyInternetGatewayId);
    // NAT64 through the zone's NAT gateway, as kops routes it.
    const nat64 = tables.find((t) => t.Tags?.some((x) => x.Key === 'Name' && x.Value === `private-us-east-1a.${NAME}`))?.Routes?.find((r) => r.DestinationIpv6CidrBlock === '64:ff9b::/96');
    expect(nat64?.NatGatewayId).toMatch(/^nat-/);
    expect(v6(NAME)?.GatewayId).toMatch(/^igw-/);
  });

  it('opens SSH and the API to ::/0 as well, and gives machines an IPv6 address and an IPv6 /80 prefix', async () => {
    const groups = (await ec2().send(new DescribeSecurityGroupsCommand({ Filters: byCluster }))).SecurityGroups ?? [];
    const plane = groups.find((g) => g.GroupName === `control-plane.${NAME}`);
    const v6Ingress = (plane?.IpPermissions ?? []).filter((p) => p.Ipv6Ranges?.some((r) => r.CidrIpv6 === '::/0')).map((p) => p.FromPort);
    expect(v6Ingress).toContain(22);
    const versions = await ec2().send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `control-plane-us-east-1a.${NAME}`, Versions: ['$Latest'] }));
    const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    expect(data?.NetworkInterfaces?.[0]?.Ipv6AddressCount).toBe(1);
    // The /80 its pods take addresses of, as kops's nodeup asks for at boot.
    expect(data?.NetworkInterfaces?.[0]?.Ipv6PrefixCount).toBe(1);
    expect(data?.MetadataOptions?.HttpProtocolIpv6).toBe('enabled');
  });

  it("configures the nodes as kops does: --node-ip=::, an IPv6 service range, no node CIDRs from the controller manager, the Nodes' ranges from their machines' prefixes", async () => {
    const object = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${NAME}/igconfig/control-plane-us-east-1a/nodeup.yaml` }));
    const config = parse(await object.Body!.transformToString()) as {
      kubelet: { nodeIP?: string; clusterDNS: string };
      kubeProxy: { clusterCIDR: string };
      controlPlane: { apiServer: { serviceClusterIPRange: string; kubernetesServiceIP: string }; controllerManager: { allocateNodeCIDRs: boolean; clusterCIDR: string }; awsIPAM?: boolean };
    };
    expect(config.kubelet).toMatchObject({ nodeIP: '::', clusterDNS: 'fd00:5e4f:ce::a' });
    expect(config.controlPlane.apiServer).toMatchObject({ serviceClusterIPRange: 'fd00:5e4f:ce::/108', kubernetesServiceIP: 'fd00:5e4f:ce::1' });
    expect(config.controlPlane.controllerManager).toMatchObject({ allocateNodeCIDRs: false, clusterCIDR: '' });
    // hoist-aws-ipam.service on the control plane (test/aws/pod-cidrs.test.ts).
    expect(config.controlPlane.awsIPAM).toBe(true);
    expect(config.kubeProxy.clusterCIDR).toBe('::/0');
  });

  it('is the same objects in the Terraform output, which terraform validates', async () => {
    // Terraform output wants the API's DNS name: a cluster of its own, in a zone, never applied.
    const named = 'ipv6-tf.example.com';
    const created = await run(['create', 'cluster', named, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private', '--ipv6', '--dns-zone', 'example.com']);
    expect(created.code, created.stderr).toBe(0);
    const out = join(dir.path, 'tf');
    const rendered = await run(['update', 'cluster', named, '--target', 'terraform', '--out', out]);
    expect(rendered.code, rendered.stderr).toBe(0);
    type Resources = Record<string, Record<string, Record<string, unknown>>>;
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { resource: Resources };
    const r = module.resource;
    expect(Object.values(r['aws_vpc'] ?? {}).map((v) => v['assign_generated_ipv6_cidr_block'])).toEqual([true]);
    expect(Object.keys(r['aws_egress_only_internet_gateway'] ?? {})).toHaveLength(1);
    const ranges = Object.values(r['aws_subnet'] ?? {}).map((s) => s['ipv6_cidr_block']).sort();
    expect(ranges).toEqual([expect.stringMatching(/^\$\{cidrsubnet\(aws_vpc\.[\w-]+\.ipv6_cidr_block, 8, 0\)\}$/), expect.stringMatching(/, 8, 1\)\}$/)]);
    const interfaces = Object.values(r['aws_launch_template'] ?? {}).map((t) => (t['network_interfaces'] as Record<string, unknown>[])[0]);
    expect(interfaces.length).toBeGreaterThan(0);
    expect(interfaces.map((n) => [n?.['ipv6_address_count'], n?.['ipv6_prefix_count']])).toEqual(interfaces.map(() => [1, 1]));
    const routes = Object.values(r['aws_route'] ?? {}).filter((x) => x['destination_ipv6_cidr_block'] === '::/0');
    expect(routes.map((x) => (x['egress_only_gateway_id'] === undefined ? 'igw' : 'eigw')).sort()).toEqual(['eigw', 'igw']);

    const validated = await validateModule(join(dir.path, 'tf-home'), out);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
  }, 120_000);

  it('goes with the cluster', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect((await ec2().send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs).toEqual([]);
  });
});
