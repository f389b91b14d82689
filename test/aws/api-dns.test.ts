/**
 * The API endpoint on AWS (moto), through the CLI: a cluster with a DNS zone gets alias records
 * of `api.<cluster>` and `api.internal.<cluster>` to its load balancer, and `delete cluster`
 * removes them; a cluster imported from a kops spec with `topology.dns.type: None` gets none,
 * and its machines' configuration, API certificate names and exported kubeconfig name the load
 * balancer's own DNS name.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbName } from '../../cloudup/aws/names.js';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const ZONE = 'dns.example.com';
const WITH_ZONE = 'zoned.dns.example.com';
const NO_DNS = 'minimal-aws.example.com';
const NO_LB = 'nolb.dns.example.com';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let zoneId: string;

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const fqdn = (name: string | undefined) => (name ?? '').replace(/\.$/, '').toLowerCase();

async function records(): Promise<Map<string, string>> {
  const sets = (await account.clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
  return new Map(sets.filter((r) => r.Type === 'A').map((r) => [fqdn(r.Name), fqdn(r.AliasTarget?.DNSName)]));
}

async function apiLoadBalancerDns(cluster: string): Promise<string> {
  const lb = (await account.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', cluster)] }))).LoadBalancers?.[0];
  expect(lb?.DNSName, `the API load balancer of ${cluster}`).toBeTruthy();
  return fqdn(lb!.DNSName);
}

async function storeObject(key: string): Promise<string> {
  const got = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${key}` }));
  return got.Body!.transformToString();
}

async function kubeconfigServer(cluster: string, extra: string[] = []): Promise<string> {
  const file = join(dir.path, `${cluster}.kubeconfig`);
  const exported = await run(['export', 'kubeconfig', cluster, '--kubeconfig', file, ...extra]);
  expect(exported.code, exported.stderr).toBe(0);
  const config = parse(await readFile(file, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
  return config.clusters.find((c) => c.name === cluster)!.cluster.server;
}

beforeAll(async () => {
  account = await testAccount();
  Object.assign(process.env, account.env);
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-dns-');
  zoneId = (await account.clients.route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${Date.now()}` }))).HostedZone!.Id!;
});

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('a cluster with a DNS zone', () => {
  it('gets alias records of api and api.internal to its load balancer, which delete cluster removes', async () => {
    const created = await run(['create', 'cluster', WITH_ZONE, '--cloud', 'aws', '--zones', 'us-east-1a', '--topology', 'private', '--node-count', '1', '--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    await useAssetMirror(run, WITH_ZONE, join(dir.path, 'assets-zoned'));
    const plan = await run(['update', 'cluster', WITH_ZONE]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`DNSRecord/api.${WITH_ZONE}`);
    expect(plan.stdout).toContain(`DNSRecord/api.internal.${WITH_ZONE}`);

    const applied = await run(['update', 'cluster', WITH_ZONE, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const lb = await apiLoadBalancerDns(WITH_ZONE);
    const live = await records();
    expect(live.get(`api.${WITH_ZONE}`)).toBe(lb);
    expect(live.get(`api.internal.${WITH_ZONE}`)).toBe(lb);
    expect(await kubeconfigServer(WITH_ZONE)).toBe(`https://api.${WITH_ZONE}`);
    const nodeup = parse(await storeObject(`${WITH_ZONE}/igconfig/control-plane-us-east-1a/nodeup.yaml`)) as { controlPlane: { apiServer: { publicName: string } } };
    expect(nodeup.controlPlane.apiServer.publicName).toBe(`api.${WITH_ZONE}`);

    const again = await run(['update', 'cluster', WITH_ZONE, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);

    const deleted = await run(['delete', 'cluster', WITH_ZONE, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`DNSRecord/api.internal.${WITH_ZONE}`);
    const left = await records();
    expect(left.has(`api.${WITH_ZONE}`)).toBe(false);
    expect(left.has(`api.internal.${WITH_ZONE}`)).toBe(false);
  });
});

describe('a cluster with DNS records and no dnsZone', () => {
  it('is stored as written with a notice; update cluster, --target terraform and delete cluster use the zone found; no zone is a clear error', async () => {
    const name = `found.${ZONE}`;
    const id = zoneId.replace('/hostedzone/', '');
    const created = await run(['create', 'cluster', name, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--set', 'spec.topology.dns.type=Public']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`${name} names no spec.dnsZone: update cluster finds its public DNS zone in the cloud`);
    await useAssetMirror(run, name, join(dir.path, 'assets-found'));

    const plan = await run(['update', 'cluster', name]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`${name} uses the public Route 53 hosted zone ${ZONE} (${id}), found for it`);
    expect(plan.stdout).toContain(`HostedZone/${id}`);
    expect(plan.stdout).toContain(`DNSRecord/api.${name}`);
    expect(plan.stdout).toContain(`DNSRecord/api.internal.${name}`);
    const stored = parse((await run(['get', 'cluster', name, '-o', 'yaml'])).stdout) as { spec: { dnsZone?: string } };
    expect(stored.spec.dnsZone).toBeUndefined();

    const out = join(dir.path, 'tf-found');
    const tf = await run(['update', 'cluster', name, '--target', 'terraform', '--out', out]);
    expect(tf.code, tf.stderr).toBe(0);
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { data: { aws_route53_zone: Record<string, { zone_id?: string; name?: string }> } };
    expect(Object.values(module.data.aws_route53_zone)).toEqual([{ zone_id: id }]);

    const deleted = await run(['delete', 'cluster', name, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);

    const lost = 'lost.example.org';
    expect((await run(['create', 'cluster', lost, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--set', 'spec.topology.dns.type=Public'])).code).toBe(0);
    // The zone is looked for when the session opens, before any node asset is needed.
    const refused = await run(['update', 'cluster', lost, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`no public Route 53 hosted zone holds the names of ${lost}`);
    expect(refused.stderr).toContain('set spec.topology.dns.type to None');
    expect(refused.stderr).not.toContain('    at ');
    const vpcs = (await account.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:hoist.dev/cluster', Values: [lost] }] }))).Vpcs ?? [];
    expect(vpcs).toEqual([]);
  });
});

describe('a kops cluster with topology.dns.type None', () => {
  it('imports, plans, applies with no records, and names its load balancer in nodeup.yaml and the kubeconfig', async () => {
    // kops's minimal-aws test spec, as kops's minimal-dns-none case sets it: no DNS, and a zone
    // that None must leave alone. moto knows us-east-1, not kops's us-test-1.
    const kops = (await readFile(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8'))
      .replaceAll('us-test-1', 'us-east-1')
      .replace(/^ {2}image: .*\n/gm, '')
      .replace('  networkCIDR:', `  dnsZone: ${ZONE}\n  topology:\n    dns:\n      type: None\n  networkCIDR:`);
    const created = await run(['create', '-f', '-'], kops);
    expect(created.code, created.stderr).toBe(0);
    const got = await run(['get', 'cluster', NO_DNS, '-o', 'yaml']);
    expect((parse(got.stdout) as { spec: { topology: { dns: { type: string } } } }).spec.topology.dns.type).toBe('None');
    await useAssetMirror(run, NO_DNS, join(dir.path, 'assets-none'));

    const plan = await run(['update', 'cluster', NO_DNS]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`LoadBalancer/api.${NO_DNS}`);
    expect(plan.stdout).not.toContain('DNSRecord/');
    expect(plan.stdout).not.toContain('HostedZone/');
    expect(plan.stderr).toContain(`makes LoadBalancer/api.${NO_DNS} first`);

    const applied = await run(['update', 'cluster', NO_DNS, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Making the API load balancer first');
    const lb = await apiLoadBalancerDns(NO_DNS);
    expect([...(await records()).keys()].filter((name) => name.endsWith(NO_DNS))).toEqual([]);

    const plane = parse(await storeObject(`${NO_DNS}/igconfig/master-us-east-1a/nodeup.yaml`)) as { apiServer: string; controlPlane: { apiServer: { publicName: string } } };
    expect(plane.apiServer).toBe(`https://${lb}`);
    expect(plane.controlPlane.apiServer.publicName).toBe(lb);
    const nodes = parse(await storeObject(`${NO_DNS}/igconfig/nodes/nodeup.yaml`)) as { apiServer: string };
    expect(nodes.apiServer).toBe(`https://${lb}`);
    expect(await kubeconfigServer(NO_DNS)).toBe(`https://${lb}`);
    expect(await kubeconfigServer(NO_DNS, ['--internal'])).toBe(`https://${lb}`);

    // The launch templates were made with the name: a second plan has nothing to do.
    const again = await run(['update', 'cluster', NO_DNS, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).not.toContain('first');

    // Terraform would have to render nodeup.yaml from the load balancer's dns_name: refused.
    const tf = await run(['update', 'cluster', NO_DNS, '--target', 'terraform', '--out', join(dir.path, 'tf')]);
    expect(tf.code).toBe(1);
    expect(tf.stderr).toContain('spec.topology.dns.type None');

    const deleted = await run(['delete', 'cluster', NO_DNS, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it('imports a kops DNS-only API as a public load balancer, reported, and refuses api.dns in a spec, changing nothing', async () => {
    const kops = (await readFile(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8'))
      .replaceAll('minimal-aws.example.com', NO_LB)
      .replaceAll('us-test-1', 'us-east-1')
      .replace(/^ {2}image: .*\n/gm, '')
      .replace('  networkCIDR:', '  api:\n    dns: {}\n  topology:\n    dns:\n      type: None\n  networkCIDR:');
    const created = await run(['create', '-f', '-'], kops);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('spec.api.dns: a DNS-only API needs a DNS controller');
    const stored = await run(['get', 'cluster', NO_LB, '-o', 'yaml']);
    expect(stored.code, stored.stderr).toBe(0);
    expect((parse(stored.stdout) as { spec: { api: unknown } }).spec.api).toEqual({ loadBalancer: { type: 'Public' }, publicName: `api.${NO_LB}` });

    const dnsOnly = stored.stdout.replace('    loadBalancer:\n      type: Public\n', '    dns: {}\n');
    expect(dnsOnly).not.toBe(stored.stdout);
    const refused = await run(['replace', '-f', '-'], dnsOnly);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('spec.api.dns');
    expect(refused.stderr).toContain('use spec.api.loadBalancer');
    expect(refused.stderr).not.toContain('    at ');
    expect((await run(['get', 'cluster', NO_LB, '-o', 'yaml'])).stdout).toBe(stored.stdout);
    const vpcs = (await account.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:hoist.dev/cluster', Values: [NO_LB] }] }))).Vpcs ?? [];
    expect(vpcs).toEqual([]);
  });
});
