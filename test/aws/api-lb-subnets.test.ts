/**
 * The API load balancer's kops options `subnets` and `accessLog` on AWS (moto), through the CLI:
 * the spec's subnets with an Elastic IP each become the network load balancer's SubnetMappings
 * (read back as its zones' LoadBalancerAddresses), the access log its `access_logs.s3.*`
 * attributes; a subnet added in a new zone and a new prefix are an update in place, a changed
 * Elastic IP or an Internal load balancer with a private address replaces it (with the reason in
 * the plan), and an access log taken off is turned off. Each apply is followed by a plan that
 * finds nothing to do. moto keeps the addresses only with the fix in test/support/moto-server.py.
 */

import { join } from 'node:path';
import { AllocateAddressCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbName } from '../../cloudup/aws/names.js';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const CLUSTER = 'lb-subnets.example.net';
const LOGS = 'hoist-api-access-logs';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-lb-subnets-');
  await account.clients.s3.send(new CreateBucketCommand({ Bucket: LOGS }));
});

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

async function elasticIp(): Promise<string> {
  return (await account.clients.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
}

async function apiLoadBalancer(): Promise<LoadBalancer> {
  const lb = (await account.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', CLUSTER)] }))).LoadBalancers?.[0];
  expect(lb?.LoadBalancerArn, 'the API load balancer').toBeTruthy();
  return lb!;
}

/** The load balancer's zones as [zone, subnet id, Elastic IP or private address], in zone order. */
function zones(lb: LoadBalancer): [string, string, string | undefined][] {
  return (lb.AvailabilityZones ?? [])
    .map((z): [string, string, string | undefined] => [z.ZoneName!, z.SubnetId!, z.LoadBalancerAddresses?.[0]?.AllocationId ?? z.LoadBalancerAddresses?.[0]?.PrivateIPv4Address])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

async function accessLogAttributes(arn: string): Promise<Record<string, string>> {
  const attributes = (await account.clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))).Attributes ?? [];
  return Object.fromEntries(attributes.filter((a) => a.Key!.startsWith('access_logs.s3.')).map((a) => [a.Key!, a.Value!]));
}

interface ClusterDoc {
  spec: { api: Record<string, unknown>; subnets: { name: string; zone: string; cidr: string }[] };
}

async function getCluster(): Promise<ClusterDoc> {
  return parse((await run(['get', 'cluster', CLUSTER, '-o', 'yaml'])).stdout) as ClusterDoc;
}

async function setLoadBalancer(loadBalancer: Record<string, unknown>): Promise<void> {
  const got = await getCluster();
  const replaced = await run(['replace', '-f', '-'], stringify({ ...got, spec: { ...got.spec, api: { ...got.spec.api, loadBalancer } } }));
  expect(replaced.code, replaced.stderr).toBe(0);
}

/** The plan's text, then apply, then a plan with nothing to do. */
async function applyConverged(): Promise<string> {
  const planned = await run(['update', 'cluster', CLUSTER]);
  expect(planned.code, planned.stdout + planned.stderr).toBe(0);
  const applied = await run(['update', 'cluster', CLUSTER, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  const again = await run(['update', 'cluster', CLUSTER, '--detailed-exitcode']);
  expect(again.code, again.stdout + again.stderr).toBe(0);
  return planned.stdout;
}

/** The plan's lines about the API load balancer. */
const loadBalancerLines = (plan: string) => plan.split('\n').filter((l) => l.includes(`LoadBalancer/api.${CLUSTER}`));

describe('the API load balancer\'s subnets and access log on AWS', () => {
  it('are applied, read back, changed in place or by a replacement, and taken off, each converged', { timeout: 900_000 }, async () => {
    const created = await run(['create', 'cluster', CLUSTER, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b', '--node-count', '1']);
    expect(created.code, created.stderr).toBe(0);
    await useAssetMirror(run, CLUSTER, join(dir.path, 'assets'));
    const [a, b] = [(await getCluster()).spec.subnets.find((s) => s.zone === 'us-east-1a')!, (await getCluster()).spec.subnets.find((s) => s.zone === 'us-east-1b')!];
    const [ipA, ipB, ipA2] = [await elasticIp(), await elasticIp(), await elasticIp()];

    // One subnet with its Elastic IP, and access logs under a prefix.
    await setLoadBalancer({ type: 'Public', subnets: [{ name: a.name, allocationId: ipA }], accessLog: { bucket: LOGS, bucketPrefix: 'api', interval: 5 } });
    await applyConverged();
    const first = await apiLoadBalancer();
    expect(zones(first).map(([zone, , address]) => [zone, address])).toEqual([['us-east-1a', ipA]]);
    expect(await accessLogAttributes(first.LoadBalancerArn!)).toEqual({ 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': LOGS, 'access_logs.s3.prefix': 'api' });

    // A subnet in a new zone with its own address, and another prefix: in place.
    await setLoadBalancer({ type: 'Public', subnets: [{ name: b.name, allocationId: ipB }, { name: a.name, allocationId: ipA }], accessLog: { bucket: LOGS, bucketPrefix: 'api/logs' } });
    const added = loadBalancerLines(await applyConverged());
    expect(added.join('\n')).not.toContain('replaced');
    const second = await apiLoadBalancer();
    expect(second.LoadBalancerArn).toBe(first.LoadBalancerArn);
    expect(zones(second).map(([zone, , address]) => [zone, address])).toEqual([['us-east-1a', ipA], ['us-east-1b', ipB]]);
    expect((await accessLogAttributes(second.LoadBalancerArn!))['access_logs.s3.prefix']).toBe('api/logs');

    // Another Elastic IP in a subnet it is in: ELB sets addresses when it makes the load balancer.
    await setLoadBalancer({ type: 'Public', subnets: [{ name: a.name, allocationId: ipA2 }, { name: b.name, allocationId: ipB }], accessLog: { bucket: LOGS, bucketPrefix: 'api/logs' } });
    const moved = loadBalancerLines(await applyConverged()).join('\n');
    expect(moved).toContain('(replaced: subnetAddresses: the address of a network load balancer in subnet');
    const third = await apiLoadBalancer();
    expect(third.LoadBalancerArn).not.toBe(second.LoadBalancerArn);
    expect(zones(third).map(([, , address]) => address)).toEqual([ipA2, ipB]);
    // The replacement has the access log too.
    expect((await accessLogAttributes(third.LoadBalancerArn!))['access_logs.s3.enabled']).toBe('true');

    // The access log taken off is turned off, in place.
    await setLoadBalancer({ type: 'Public', subnets: [{ name: a.name, allocationId: ipA2 }, { name: b.name, allocationId: ipB }] });
    expect(loadBalancerLines(await applyConverged()).join('\n')).not.toContain('replaced');
    const fourth = await apiLoadBalancer();
    expect(fourth.LoadBalancerArn).toBe(third.LoadBalancerArn);
    expect((await accessLogAttributes(fourth.LoadBalancerArn!))['access_logs.s3.enabled']).toBe('false');

    // Internal, with a private address of the subnet's: a new load balancer (its scheme changes).
    const address = `${a.cidr.split('.').slice(0, 3).join('.')}.10`;
    await setLoadBalancer({ type: 'Internal', subnets: [{ name: a.name, privateIPv4Address: address }] });
    await applyConverged();
    const internal = await apiLoadBalancer();
    expect(internal.Scheme).toBe('internal');
    expect(zones(internal)).toEqual([['us-east-1a', expect.stringMatching(/^subnet-/), address]]);

    const deleted = await run(['delete', 'cluster', CLUSTER, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});
