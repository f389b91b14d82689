/**
 * A private cluster on AWS (moto) through the CLI: create, apply, every resource there with its
 * tags, no changes on a second plan (which reads no launch template version), a machine type
 * change as a new launch template version only, changes made to the templates outside hoist
 * shown and undone, and delete leaving nothing with the cluster's tag.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateSecurityGroupCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteTagsCommand,
  DescribeInternetGatewaysCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRolePolicyCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, tempDir } from '../support/cli.js';
import { scanCluster } from './scan.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'life.aws.example.com';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const OWNED = { [`kubernetes.io/cluster/${NAME}`]: 'owned', 'hoist.dev/cluster': NAME };
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let zoneId: string;

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const tags = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));
const byCluster = [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }];
const VERSION_TAG = /^(\d+):[0-9a-f]{32}$/;
/** The cluster's launch templates by group: id, latest and default version, and the version tag. */
async function templates(): Promise<Map<string, { id: string; latest: number; default: number; versionTag: string | undefined }>> {
  const listed = (await account.clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: byCluster }))).LaunchTemplates!;
  return new Map(
    listed.map((t) => [
      t.LaunchTemplateName!.replace(`.${NAME}`, ''),
      { id: t.LaunchTemplateId!, latest: t.LatestVersionNumber!, default: t.DefaultVersionNumber!, versionTag: tags(t.Tags)['hoist.dev/version-hash'] },
    ]),
  );
}
/** What a plan's -v output says of the templates it read. */
const templatesRead = (stderr: string) => /launch templates: read (\d+) of (\d+)/.exec(stderr)?.slice(1).map(Number);

beforeAll(async () => {
  account = await testAccount();
  // The state store and the cloud are one account: both read the keys from this process's environment.
  Object.assign(process.env, account.env);
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-');
  zoneId = (await account.clients.route53.send(new CreateHostedZoneCommand({ Name: 'aws.example.com', CallerReference: `${Date.now()}` }))).HostedZone!.Id!;
  const key = join(dir.path, 'id_ed25519.pub');
  await writeFile(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVk6LxA0l1pLMSk9YDbH+8FbG5S5HhX2O4kAmY2Dwhj test@hoist\n');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', ZONES.join(','), '--topology', 'private', '--node-count', '1', '--dns-zone', 'aws.example.com', '--ssh-public-key', key]);
  expect(created.code, created.stderr).toBe(0);
  const ig = await run(['create', 'instancegroup', 'spot', '--name', NAME, '--role', 'Node', '--subnets', 'us-east-1b,us-east-1c', '--min-size', '1', '--max-size', '3']);
  expect(ig.code, ig.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
});

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('a private cluster on AWS', () => {
  it('applies, and every resource exists with its tags', async () => {
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Cluster changes have been applied to the cloud.');
    const { ec2, autoscaling, elbv2, iam, route53 } = account.clients;

    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs!;
    expect(vpc).toHaveLength(1);
    expect(tags(vpc[0]!.Tags)).toMatchObject({ ...OWNED, Name: NAME });
    const vpcId = vpc[0]!.VpcId!;
    expect((await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }))).EnableDnsHostnames?.Value).toBe(true);

    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: byCluster }))).Subnets!;
    const subnetTags = subnets.map((s) => tags(s.Tags)).sort((a, b) => String(a['Name']).localeCompare(String(b['Name'])));
    expect(subnetTags.map((t) => [t['Name'], t['SubnetType']])).toEqual([
      ...ZONES.map((z) => [`${z}.${NAME}`, 'Private']),
      ...ZONES.map((z) => [`utility-${z}.${NAME}`, 'Utility']),
    ]);
    expect(subnetTags.filter((t) => t['SubnetType'] === 'Private').every((t) => t['kubernetes.io/role/internal-elb'] === '1')).toBe(true);
    expect(subnetTags.filter((t) => t['SubnetType'] === 'Utility').every((t) => t['kubernetes.io/role/elb'] === '1')).toBe(true);

    const igws = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: byCluster }))).InternetGateways!;
    expect(igws.map((g) => g.Attachments?.[0]?.VpcId)).toEqual([vpcId]);
    const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: byCluster }))).NatGateways!.filter((n) => n.State !== 'deleted');
    expect(nats.map((n) => tags(n.Tags)['Name']).sort()).toEqual(ZONES.map((z) => `${z}.${NAME}`));
    const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: byCluster }))).RouteTables!;
    expect(tables).toHaveLength(4);
    const privateA = tables.find((t) => tags(t.Tags)['Name'] === `private-us-east-1a.${NAME}`)!;
    const natA = nats.find((n) => tags(n.Tags)['Name'] === `us-east-1a.${NAME}`)!;
    expect(privateA.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.NatGatewayId).toBe(natA.NatGatewayId);
    expect(natA.SubnetId).toBe(subnets.find((s) => tags(s.Tags)['Name'] === `utility-us-east-1a.${NAME}`)!.SubnetId);
    expect(tables.flatMap((t) => t.Associations ?? []).filter((a) => !a.Main)).toHaveLength(6);

    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: byCluster }))).SecurityGroups!;
    expect(groups.map((g) => g.GroupName).sort()).toEqual([`control-plane.${NAME}`, `nodes.${NAME}`]);
    const plane = groups.find((g) => g.GroupName === `control-plane.${NAME}`)!;
    expect(plane.IpPermissions!.some((p) => p.FromPort === 6443 && p.IpRanges?.some((r) => r.CidrIp === '0.0.0.0/0'))).toBe(true);
    // Nodes never reach etcd's ports on the control plane.
    const fromNodes = plane.IpPermissions!.filter((p) => p.UserIdGroupPairs?.some((u) => u.GroupId !== plane.GroupId));
    expect(fromNodes.some((p) => p.IpProtocol === 'tcp' && (p.FromPort ?? 0) <= 2380 && (p.ToPort ?? 0) >= 2380)).toBe(false);

    const volumes = (await ec2.send(new DescribeVolumesCommand({ Filters: byCluster }))).Volumes!;
    expect(volumes.map((v) => tags(v.Tags)['Name']).sort()).toEqual([`a.etcd-events.${NAME}`, `a.etcd-main.${NAME}`]);
    const main = volumes.find((v) => tags(v.Tags)['Name'] === `a.etcd-main.${NAME}`)!;
    expect(tags(main.Tags)).toMatchObject({ ...OWNED, 'k8s.io/etcd/main': 'a/a', 'k8s.io/role/control-plane': '1' });
    expect(main.AvailabilityZone).toBe('us-east-1a');

    const asgs = (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ Filters: byCluster }))).AutoScalingGroups!;
    expect(asgs.map((g) => g.AutoScalingGroupName).sort()).toEqual([`control-plane-us-east-1a.${NAME}`, `nodes-us-east-1a.${NAME}`, `spot.${NAME}`]);
    const spot = asgs.find((g) => g.AutoScalingGroupName === `spot.${NAME}`)!;
    expect(spot.VPCZoneIdentifier!.split(',')).toHaveLength(2);
    expect([spot.MinSize, spot.MaxSize, spot.DesiredCapacity]).toEqual([1, 3, 1]);
    expect(spot.Tags!.filter((t) => t.PropagateAtLaunch).map((t) => [t.Key, t.Value])).toEqual(
      expect.arrayContaining([['hoist.dev/role', 'node'], ['hoist.dev/instancegroup', 'spot'], [`kubernetes.io/cluster/${NAME}`, 'owned'], ['hoist.dev/cluster', NAME]]),
    );

    // Each template records the version hoist made (1) in its tag, with the hash of its fields.
    const made = await templates();
    expect([...made.values()].map((t) => [t.latest, t.default, VERSION_TAG.exec(t.versionTag ?? '')?.[1]])).toEqual([
      [1, 1, '1'],
      [1, 1, '1'],
      [1, 1, '1'],
    ]);

    const lb = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!;
    expect(lb).toHaveLength(1);
    expect([lb[0]!.Type, lb[0]!.Scheme, lb[0]!.AvailabilityZones!.length]).toEqual(['network', 'internet-facing', 3]);
    const tg = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups!;
    expect([tg[0]!.Protocol, tg[0]!.Port]).toEqual(['TCP', 6443]);
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb[0]!.LoadBalancerArn }))).Listeners!;
    expect(listeners.map((l) => [l.Port, l.Protocol, l.DefaultActions?.[0]?.TargetGroupArn])).toEqual([[443, 'TCP', tg[0]!.TargetGroupArn]]);
    expect(asgs.find((g) => g.AutoScalingGroupName === `control-plane-us-east-1a.${NAME}`)!.TargetGroupARNs).toEqual([tg[0]!.TargetGroupArn]);

    const roles = (await iam.send(new ListRolesCommand({ PathPrefix: `/hoist/${NAME}/` }))).Roles!;
    expect(roles.map((r) => r.RoleName).sort()).toEqual([`control-plane.${NAME}`, `nodes-us-east-1a.${NAME}`, `spot.${NAME}`]);
    const policy = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: `spot.${NAME}`, PolicyName: `spot.${NAME}` }))).PolicyDocument!));
    const read = policy.Statement.find((s: { Sid: string }) => s.Sid === 'StateStoreRead').Resource;
    expect(read).toEqual([`arn:aws:s3:::${account.bucket}/clusters/${NAME}/igconfig/spot/*`, `arn:aws:s3:::${account.bucket}/clusters/${NAME}/pki/issued/*`, `arn:aws:s3:::${account.bucket}/clusters/${NAME}/nodeup/*`]);
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'StateStoreWrite').Resource).toEqual([`arn:aws:s3:::${account.bucket}/clusters/${NAME}/status/instances/spot/*`]);

    const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets!;
    const api = records.find((r) => r.Name === `api.${NAME}.` && r.Type === 'A')!;
    expect(api.AliasTarget?.DNSName?.replace(/\.$/, '').toLowerCase()).toBe(lb[0]!.DNSName!.toLowerCase());

    // toolbox dump: the same machines, with the groups and the cluster, for support.
    const dump = await run(['toolbox', 'dump', '--name', NAME, '-o', 'json']);
    expect(dump.code, dump.stderr).toBe(0);
    const dumped = JSON.parse(dump.stdout) as { cluster: { name: string; cloud: string; applied: boolean }; instanceGroups: { name: string; nodeupConfig: string | null }[]; instances: { instanceGroup: string }[] };
    expect(dumped.cluster).toMatchObject({ name: NAME, cloud: 'aws', applied: true });
    expect(dumped.instanceGroups.map((g) => [g.name, g.nodeupConfig?.startsWith('sha256:')]).sort()).toEqual([['control-plane-us-east-1a', true], ['nodes-us-east-1a', true], ['spot', true]]);
    expect(dumped.instances.map((m) => m.instanceGroup).sort()).toEqual(['control-plane-us-east-1a', 'nodes-us-east-1a', 'spot']);

    const listed = await run(['get', 'instances', '--name', NAME, '-o', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const machines = JSON.parse(listed.stdout) as { instanceGroup: string; state: string; templateVersion: number; latestTemplateVersion: number }[];
    expect(machines.map((m) => [m.instanceGroup, m.state, m.templateVersion, m.latestTemplateVersion]).sort()).toEqual([
      ['control-plane-us-east-1a', 'running', 1, 1],
      ['nodes-us-east-1a', 'running', 1, 1],
      ['spot', 'running', 1, 1],
    ]);
  });

  it('plans no changes once applied', async () => {
    const again = await run(['update', 'cluster', NAME, '--detailed-exitcode', '-v']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');
    // One listing per resource type: 21 calls (IAM's instance profiles come with its roles; the Auto
    // Scaling groups take two: the planned ones described by name, and the listing of the groups'
    // ownership tags that finds those no longer planned; the egress-only internet gateways of IPv6
    // are listed in every cluster), 3 for the hosted zone and its two API records, and the API load
    // balancer's attributes (crossZoneLoadBalancing), which no listing returns.
    // No launch template version is read: each template's tag shows its latest is hoist's.
    const calls = Number(/discovered the live state with (\d+) API calls/.exec(again.stderr)?.[1]);
    expect(calls).toBe(25);
    expect(templatesRead(again.stderr)).toEqual([0, 3]);
  });

  it('finds a group the plan no longer wants by its ownership tag, and plans its deletion', async () => {
    // The plan describes its own groups by name: the group taken out of the spec is found only
    // through the listing of the ownership tags (Auto Scaling's DescribeTags).
    const yaml = (await run(['get', 'ig', 'spot', '--name', NAME, '-o', 'yaml'])).stdout;
    expect((await run(['delete', 'ig', 'spot', '--name', NAME, '--yes'])).code).toBe(0);
    const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { changes: { id: string; action: string }[] };
    const acting = plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.id}`);
    expect(acting).toEqual(expect.arrayContaining([`delete AutoScalingGroup/spot.${NAME}`, `delete LaunchTemplate/spot.${NAME}`, `delete IAMRole/spot.${NAME}`]));
    expect(acting.every((a) => a.startsWith('delete ') && a.includes(`spot.${NAME}`)), acting.join('\n')).toBe(true);
    // Put back as it was: the plan is empty again.
    expect((await run(['create', '-f', '-'], yaml)).code).toBe(0);
    const again = await run(['update', 'cluster', NAME, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('shows a machine type change as a new launch template version only, and applies it', async () => {
    const yaml = (await run(['get', 'ig', 'nodes-us-east-1a', '--name', NAME, '-o', 'yaml'])).stdout;
    expect(yaml).toContain('machineType: t3.medium');
    expect((await run(['replace', '-f', '-'], yaml.replace('machineType: t3.medium', 'machineType: t3.large'))).code).toBe(0);

    const before = (await templates()).get('nodes-us-east-1a')!;
    const planned = await run(['update', 'cluster', NAME, '-o', 'json', '-v']);
    // Only the changed group's template is read, to show its changed fields.
    expect(templatesRead(planned.stderr)).toEqual([1, 3]);
    const plan = JSON.parse(planned.stdout) as { changes: { id: string; action: string; changes: { path: string; before?: unknown; after?: unknown }[] }[] };
    const acting = plan.changes.filter((c) => c.action !== 'noop');
    expect(acting.map((c) => `${c.action} ${c.id}`)).toEqual([`update AutoScalingGroup/nodes-us-east-1a.${NAME}`, `update LaunchTemplate/nodes-us-east-1a.${NAME}`]);
    const template = acting.find((c) => c.id.startsWith('LaunchTemplate/'))!;
    expect(template.changes.find((f) => f.path === 'instanceType')).toEqual({ path: 'instanceType', before: 't3.medium', after: 't3.large' });
    expect(acting.find((c) => c.id.startsWith('AutoScalingGroup/'))!.changes).toEqual([
      { path: 'launchTemplateVersion', before: '1', after: { $ref: `LaunchTemplate/nodes-us-east-1a.${NAME}`, output: 'latestVersion' } },
    ]);

    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const group = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`nodes-us-east-1a.${NAME}`] }))).AutoScalingGroups![0]!;
    expect(group.LaunchTemplate?.Version).toBe('2');
    const latest = await account.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: group.LaunchTemplate!.LaunchTemplateId, Versions: ['$Latest'] }));
    expect(latest.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType).toBe('t3.large');
    // The update recorded version 2 in the tag, with the hash of the new fields.
    const after = (await templates()).get('nodes-us-east-1a')!;
    expect([after.latest, after.default, VERSION_TAG.exec(after.versionTag ?? '')?.[1]]).toEqual([2, 2, '2']);
    expect(after.versionTag!.split(':')[1]).not.toBe(before.versionTag!.split(':')[1]);
    // The running machine was launched from version 1: out of date for a rolling update.
    const machines = JSON.parse((await run(['get', 'instances', '--name', NAME, '-o', 'json'])).stdout) as { instanceGroup: string; templateVersion: number; latestTemplateVersion: number }[];
    const node = machines.find((m) => m.instanceGroup === 'nodes-us-east-1a')!;
    expect([node.templateVersion, node.latestTemplateVersion]).toEqual([1, 2]);
    expect((await run(['update', 'cluster', NAME, '--detailed-exitcode'])).code).toBe(0);
  });

  it('reads and plans the templates changed outside hoist: a new version, a moved default, a removed tag', async () => {
    const { ec2 } = account.clients;
    const before = await templates();
    const spot = before.get('spot')!;
    const nodes = before.get('nodes-us-east-1a')!;
    const plane = before.get('control-plane-us-east-1a')!;
    // As in the console: a new version of one template (not made the default), another's default
    // moved back to version 1, and the third's tag removed.
    const spotData = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: spot.id, Versions: ['1'] }))).LaunchTemplateVersions![0]!.LaunchTemplateData!;
    // The whole data: moto does not copy SourceVersion's.
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: spot.id, LaunchTemplateData: { ...spotData, InstanceType: 'm5.large' } as never }));
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: nodes.id, DefaultVersion: '1' }));
    await ec2.send(new DeleteTagsCommand({ Resources: [plane.id], Tags: [{ Key: 'hoist.dev/version-hash' }] }));

    const planned = await run(['update', 'cluster', NAME, '-o', 'json', '-v']);
    expect(planned.code, planned.stderr).toBe(0);
    // The template with a new version and the one without its tag are read; the other one not.
    expect(templatesRead(planned.stderr)).toEqual([2, 3]);
    const plan = JSON.parse(planned.stdout) as { changes: { id: string; action: string; changes: { path: string; before?: unknown; after?: unknown }[] }[] };
    const changesOf = (group: string) => plan.changes.find((c) => c.id === `LaunchTemplate/${group}.${NAME}`)!.changes.map((c) => [c.path, c.before, c.after]);
    expect(changesOf('spot')).toEqual([
      ['defaultVersion', '1', '$Latest'],
      ['instanceType', 'm5.large', 't3.medium'],
      ['versionHashTag', false, true],
    ]);
    expect(changesOf('nodes-us-east-1a')).toEqual([['defaultVersion', '1', '$Latest']]);
    expect(changesOf('control-plane-us-east-1a')).toEqual([['versionHashTag', false, true]]);

    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await templates();
    // A new version only where the fields differed; the others got their default or tag back.
    expect([after.get('spot')!.latest, after.get('spot')!.default, VERSION_TAG.exec(after.get('spot')!.versionTag ?? '')?.[1]]).toEqual([3, 3, '3']);
    expect([after.get('nodes-us-east-1a')!.latest, after.get('nodes-us-east-1a')!.default, after.get('nodes-us-east-1a')!.versionTag]).toEqual([2, 2, nodes.versionTag]);
    expect([after.get('control-plane-us-east-1a')!.latest, after.get('control-plane-us-east-1a')!.versionTag]).toEqual([1, plane.versionTag]);
    const again = await run(['update', 'cluster', NAME, '--detailed-exitcode', '-v']);
    expect(again.code, again.stdout).toBe(0);
    expect(templatesRead(again.stderr)).toEqual([0, 3]);
  });

  it('leaves what Kubernetes made for the cluster alone, and a machine outside its group', async () => {
    const { ec2 } = account.clients;
    const vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs![0]!.VpcId!;
    // As the cloud controller makes one for a LoadBalancer Service: Kubernetes's tag only.
    await ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: 'k8s-elb-a1b2c3',
        Description: 'Security group for Kubernetes ELB a1b2c3',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: `kubernetes.io/cluster/${NAME}`, Value: 'owned' }] }],
      }),
    );
    // A machine launched from a group's template but outside the group.
    const template = (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: byCluster }))).LaunchTemplates!.find((t) => t.LaunchTemplateName === `spot.${NAME}`)!;
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: byCluster }))).Subnets![0]!;
    await ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: template.LaunchTemplateId, Version: '$Latest' }, MinCount: 1, MaxCount: 1, SubnetId: subnet.SubnetId }));
    const again = await run(['update', 'cluster', NAME, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
  });

  it('deletes the cluster, leaving nothing with its tag', async () => {
    expect((await scanCluster(account, NAME)).length).toBeGreaterThan(40);
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/SecurityGroup\/sg-\w+/);
    expect(deleted.stdout).toMatch(/Instance\/i-\w+/);
    expect(await scanCluster(account, NAME)).toEqual([]);
  });
});
