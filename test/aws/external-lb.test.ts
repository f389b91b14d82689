/**
 * kops's externalLoadBalancers, tenancy and rootVolumeOptimization on an InstanceGroup and the
 * Cluster's iam.permissionsBoundary, applied through the CLI on moto: the Auto Scaling group is
 * in the Classic Load Balancer and the target group the spec names, the launch template has the
 * tenancy and EBS optimization, every role hoist made has the boundary; then a changed spec is
 * planned as updates (other load balancers, shared tenancy, another boundary) and applied, and a
 * spec without them takes them off (detached, boundary removed). After each apply the next plan
 * has nothing to change. The load balancers are made here, outside hoist, as a user's would be.
 */

import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateVpcCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { iamPath } from '../../cloudup/aws/names.js';
import { hoist, tempDir } from '../support/cli.js';
import { motoUrl } from '../support/moto.js';
import { applyThenNoChanges, testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'external.aws.example.com';
const GROUP = `web.${NAME}`;
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
const targetGroups: Record<'a' | 'b', string> = { a: '', b: '' };
const boundary = (name: string) => `arn:aws:iam::${account.accountId}:policy/${name}`;

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

/**
 * A Classic Load Balancer, made with the ELB API's Query protocol (the SDK's classic ELB client is
 * not a dependency of hoist); moto takes the account from the access key in the Authorization header.
 */
async function classicLoadBalancer(name: string): Promise<void> {
  const body = new URLSearchParams({
    Action: 'CreateLoadBalancer',
    Version: '2012-06-01',
    LoadBalancerName: name,
    'AvailabilityZones.member.1': 'us-east-1a',
    'Listeners.member.1.Protocol': 'TCP',
    'Listeners.member.1.LoadBalancerPort': '80',
    'Listeners.member.1.InstancePort': '80',
  });
  const scope = `${env['AWS_ACCESS_KEY_ID']}/20260101/us-east-1/elasticloadbalancing/aws4_request`;
  const res = await fetch(motoUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0` },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

function groupYaml(extra: string): string {
  return `apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata:
  name: web
  labels: { hoist.dev/cluster: ${NAME} }
spec:
  role: Node
  machineType: m5.large
  minSize: 0
  maxSize: 2
  subnets: [us-east-1a]
${extra}`;
}

/** Replaces the cluster's iam (the boundary) and the group's spec, as `replace -f` does. */
async function replaceSpec(permissionsBoundary: string | undefined, groupExtra: string): Promise<void> {
  const cluster = parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as { spec: Record<string, unknown> };
  const { iam: _iam, ...spec } = cluster.spec;
  const edited = { ...cluster, spec: { ...spec, ...(permissionsBoundary === undefined ? {} : { iam: { permissionsBoundary } }) } };
  const replaced = await run(['replace', '-f', '-'], `${stringify(edited)}---\n${groupYaml(groupExtra)}`);
  expect(replaced.code, replaced.stderr).toBe(0);
}

async function group() {
  const asg = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups?.[0];
  expect(asg, 'the Auto Scaling group').toBeDefined();
  return { loadBalancerNames: [...(asg!.LoadBalancerNames ?? [])].sort(), targetGroupArns: [...(asg!.TargetGroupARNs ?? [])].sort() };
}

async function template() {
  const out = await account.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: GROUP, Versions: ['$Latest'] }));
  return out.LaunchTemplateVersions![0]!.LaunchTemplateData!;
}

/** The boundary of each role hoist made (GetRole: IAM's listings leave it out), by role name. */
async function boundaries(): Promise<Record<string, string | undefined>> {
  const roles = (await account.clients.iam.send(new ListRolesCommand({ PathPrefix: iamPath(NAME) }))).Roles ?? [];
  const out: Record<string, string | undefined> = {};
  for (const r of roles) out[r.RoleName!] = (await account.clients.iam.send(new GetRoleCommand({ RoleName: r.RoleName! }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn;
  return out;
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-external-lb-');
  // The user's load balancers, in a VPC of their own.
  const vpc = (await account.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.99.0.0/16' }))).Vpc!.VpcId!;
  for (const k of ['a', 'b'] as const) {
    const tg = await account.clients.elbv2.send(new CreateTargetGroupCommand({ Name: `external-${k}`, Protocol: 'TCP', Port: 80, VpcId: vpc, TargetType: 'instance' }));
    targetGroups[k] = tg.TargetGroups![0]!.TargetGroupArn!;
    await classicLoadBalancer(`classic-${k}`);
  }
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const added = await run(['create', '-f', '-'], groupYaml(''));
  expect(added.code, added.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('externalLoadBalancers, tenancy, rootVolumeOptimization and iam.permissionsBoundary on moto', () => {
  it('reach the Auto Scaling group, the launch template and every role', async () => {
    await replaceSpec(
      boundary('boundary-a'),
      `  tenancy: dedicated\n  rootVolumeOptimization: true\n  externalLoadBalancers:\n  - loadBalancerName: classic-a\n  - targetGroupArn: ${targetGroups.a}\n`,
    );
    await applyThenNoChanges(run, NAME);
    expect(await group()).toEqual({ loadBalancerNames: ['classic-a'], targetGroupArns: [targetGroups.a] });
    const data = await template();
    expect(data.Placement).toEqual({ Tenancy: 'dedicated' });
    expect(data.EbsOptimized).toBe(true);
    const roles = await boundaries();
    expect(Object.keys(roles).length).toBeGreaterThanOrEqual(3);
    expect(Object.values(roles).every((b) => b === boundary('boundary-a')), JSON.stringify(roles)).toBe(true);
  }, 180_000);

  it('plan a change as updates, and apply it: other load balancers, shared tenancy, another boundary', async () => {
    await replaceSpec(boundary('boundary-b'), `  externalLoadBalancers:\n  - loadBalancerName: classic-b\n  - targetGroupArn: ${targetGroups.b}\n`);
    const plan = await run(['update', 'cluster', NAME]);
    expect(plan.code, plan.stderr).toBe(0);
    for (const field of ['loadBalancerNames', 'externalTargetGroupArns', 'tenancy', 'ebsOptimized', 'permissionsBoundary']) expect(plan.stdout).toContain(field);
    expect(plan.stdout).not.toContain('Will replace resources:');
    expect(plan.stdout).toMatch(/permissionsBoundary\s+arn:aws:iam::\d+:policy\/boundary-a -> arn:aws:iam::\d+:policy\/boundary-b/);
    await applyThenNoChanges(run, NAME);
    expect(await group()).toEqual({ loadBalancerNames: ['classic-b'], targetGroupArns: [targetGroups.b] });
    const data = await template();
    expect(data.Placement).toBeUndefined();
    expect(data.EbsOptimized).toBeUndefined();
    expect(Object.values(await boundaries()).every((b) => b === boundary('boundary-b'))).toBe(true);
  }, 180_000);

  it('take them off when the spec no longer has them', async () => {
    await replaceSpec(undefined, '');
    await applyThenNoChanges(run, NAME);
    expect(await group()).toEqual({ loadBalancerNames: [], targetGroupArns: [] });
    expect(Object.values(await boundaries()).every((b) => b === undefined)).toBe(true);
  }, 180_000);
});
