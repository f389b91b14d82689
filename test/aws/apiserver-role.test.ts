/**
 * An APIServer group on AWS (moto), through the CLI: `create instancegroup --role APIServer`
 * puts it in the control plane's subnet; after `update cluster --yes` its Auto Scaling group is
 * registered with the API load balancer's target group, as the control plane's; its machines'
 * security group `apiserver.<cluster>` exists and the control plane's admits it on etcd's client
 * ports and the API port only; its IAM role's policy reads the keysets it issues from and not
 * the etcd peers' CA; its nodeup.yaml names the role and the control plane's etcd clusters; a
 * second plan has no changes, and the cluster deletes.
 */

import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbName, iamName } from '../../cloudup/aws/names.js';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'apiserver.role.example.net';
const GROUP = 'apiserver-us-east-1a';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let created = false;

const runWith = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const run = (...args: string[]) => runWith(args);

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-apiserver-');
  const made = await run('create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1');
  expect(made.code, made.stderr).toBe(0);
  const group = await run('create', 'instancegroup', GROUP, '--name', NAME, '--role', 'APIServer');
  expect(group.code, group.stderr).toBe(0);
  await useAssetMirror(runWith, NAME, join(dir.path, 'assets'));
  const applied = await run('update', 'cluster', NAME, '--yes');
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  created = true;
}, 240_000);

afterAll(async () => {
  if (created) {
    const deleted = await run('delete', 'cluster', NAME, '--yes');
    expect(deleted.code, deleted.stderr).toBe(0);
  }
  await dir?.cleanup();
  account?.close();
}, 240_000);

describe('an APIServer group on AWS', () => {
  it('is in the control plane\'s subnet and registered with the API load balancer\'s target group', async () => {
    const igs = JSON.parse((await run('get', 'instancegroups', '--name', NAME, '-o', 'json')).stdout) as { items: { metadata: { name: string }; spec: { role: string; subnets: string[] } }[] };
    const api = igs.items.find((ig) => ig.metadata.name === GROUP)!;
    const plane = igs.items.find((ig) => ig.spec.role === 'ControlPlane')!;
    expect(api.spec).toMatchObject({ role: 'APIServer', subnets: plane.spec.subnets });
    const lb = (await account.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', NAME)] }))).LoadBalancers![0]!;
    const targets = ((await account.clients.elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? []).map((g) => g.TargetGroupArn).sort();
    const groups = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${GROUP}.${NAME}`, `${plane.metadata.name}.${NAME}`] }))).AutoScalingGroups ?? [];
    expect(groups).toHaveLength(2);
    for (const g of groups) expect([...(g.TargetGroupARNs ?? [])].sort(), g.AutoScalingGroupName).toEqual(targets);
  });

  it('has a security group of its own, let into the control plane as a node is and on etcd\'s client ports, never its peer ports', async () => {
    const sgs = (await account.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`apiserver.${NAME}`, `control-plane.${NAME}`] }] }))).SecurityGroups ?? [];
    const api = sgs.find((g) => g.GroupName === `apiserver.${NAME}`);
    const plane = sgs.find((g) => g.GroupName === `control-plane.${NAME}`);
    expect(api?.GroupId).toBeDefined();
    const fromApi = (plane?.IpPermissions ?? []).filter((p) => (p.UserIdGroupPairs ?? []).some((u) => u.GroupId === api!.GroupId)).map((p) => [p.IpProtocol, p.FromPort, p.ToPort]);
    expect(fromApi.sort()).toEqual([['tcp', 1, 2379], ['tcp', 2382, 4000], ['tcp', 4002, 4002], ['tcp', 4003, 65535], ['udp', 1, 65535]]);
    for (const peerPort of [2380, 2381, 4001]) expect(fromApi.some(([proto, from, to]) => proto === 'tcp' && Number(from) <= peerPort && peerPort <= Number(to)), String(peerPort)).toBe(false);
  });

  it('reads the keysets its API server issues from, not the etcd peers\' CA, and its nodeup.yaml names the control plane\'s etcd', async () => {
    const role = iamName(`${GROUP}.${NAME}`);
    const doc = (await account.clients.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: role }))).PolicyDocument!;
    const text = decodeURIComponent(doc);
    expect(text).toContain(`${NAME}/pki/private/kubernetes-ca/*`);
    expect(text).toContain(`${NAME}/pki/private/service-account/*`);
    expect(text).not.toContain('etcd-peers-ca');
    expect(text).not.toContain('ec2:AttachVolume');
    const got = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${NAME}/igconfig/${GROUP}/nodeup.yaml` }));
    const config = parse(await got.Body!.transformToString()) as { role: string; controlPlane: { remoteEtcd: { name: string }[]; etcdClusters: unknown[] } };
    expect(config.role).toBe('APIServer');
    expect(config.controlPlane.etcdClusters).toEqual([]);
    expect(config.controlPlane.remoteEtcd.map((e) => e.name)).toEqual(['main', 'events']);
  });

  it('converges: a second plan has no changes', async () => {
    const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});
