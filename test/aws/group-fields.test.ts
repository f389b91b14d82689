/**
 * The kops machine fields of two node groups (test/aws/group-fields.ts: spot with a maximum
 * price and an interruption behavior, a mixed-instances policy, IMDSv2 with two hops,
 * additionalUserData, root volume IOPS, throughput and key, an extra volume, CPU credits, detailed monitoring and the Auto Scaling
 * group's settings), applied through the CLI on moto: the launch templates and Auto Scaling
 * groups AWS then describes carry every one, and a second plan finds nothing to change
 * (group-fields-terraform.test.ts runs `terraform validate` on the same groups). The groups have no machines
 * (minSize 0): what is checked is what AWS holds for the machines it would launch. moto (5.2.1)
 * does not keep maxInstanceLifetime, so these groups leave it out; the golden files show it sent.
 * They leave out externalLoadBalancers too, which external-lb.test.ts applies with load balancers
 * that exist; tenancy and rootVolumeOptimization are checked here.
 */

import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUserData } from '../../cloudup/aws/tasks/launch-template.js';
import { hoist, tempDir } from '../support/cli.js';
import { groupYaml } from './group-fields.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'fields.aws.example.com';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

async function latestTemplate(group: string) {
  const out = await account.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `${group}.${NAME}`, Versions: ['$Latest'] }));
  const data = out.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  expect(data, `the launch template of ${group}`).toBeDefined();
  return data!;
}

async function autoScalingGroup(group: string) {
  const out = await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${group}.${NAME}`] }));
  const asg = out.AutoScalingGroups?.[0];
  expect(asg, `the Auto Scaling group of ${group}`).toBeDefined();
  return asg!;
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-fields-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a']);
  expect(created.code, created.stderr).toBe(0);
  const added = await run(['create', '-f', '-'], groupYaml(NAME, 'us-east-1a', 0, false, false));
  expect(added.code, added.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const applied = await run(['update', 'cluster', NAME, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('InstanceGroup machine fields on moto', () => {
  it('reach the launch templates: spot price, IMDSv2, volumes, CPU credits, monitoring, tenancy, EBS optimization and the multipart user data', async () => {
    const mixed = await latestTemplate('mixed');
    expect(mixed.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' });
    // The group's policy asks for spot: the template itself is On-Demand.
    expect(mixed.InstanceMarketOptions).toBeUndefined();
    expect(mixed.CreditSpecification).toEqual({ CpuCredits: 'unlimited' });
    expect(mixed.Monitoring).toEqual({ Enabled: true });
    expect(mixed.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/sda1', Ebs: { VolumeSize: 128, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true, Iops: 4000, Throughput: 250, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:alias/hoist-nodes' } },
      { DeviceName: '/dev/xvdd', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true, Throughput: 200 } },
    ]);
    const userData = decodeUserData(Buffer.from(mixed.UserData!, 'base64'));
    expect(userData).toMatch(/^Content-Type: multipart\/mixed; boundary="hoist-part"\r\n/);
    const names = [...userData.matchAll(/filename="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(['hoist-boot.sh', 'hello.sh', 'packages.yaml']);
    expect(userData).toContain('Content-Type: text/cloud-config; charset="utf-8"\r\nMime-Version: 1.0\r\n\r\npackages: [jq]\n');
    expect(userData).toMatch(/filename="hoist-boot.sh"[^]*?\r\n\r\n#!\/bin\/bash\n# hoist boot script/);

    const spot = await latestTemplate('spot-max');
    expect(spot.InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.04', InstanceInterruptionBehavior: 'stop' } });
    expect(spot.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(spot.Placement).toEqual({ Tenancy: 'dedicated' });
    expect(spot.EbsOptimized).toBe(true);
    // Shared tenancy and the type's own EBS optimization send nothing.
    expect(mixed.Placement).toBeUndefined();
    expect(mixed.EbsOptimized).toBeUndefined();
    // A group that sets nothing keeps hoist's defaults: IMDSv2 only, one hop.
    expect((await latestTemplate('nodes-us-east-1a')).MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });

  it('reach the Auto Scaling groups: the mixed-instances policy and the group\'s settings', async () => {
    const mixed = await autoScalingGroup('mixed');
    expect(mixed.LaunchTemplate).toBeUndefined();
    expect(mixed.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType)).toEqual(['t3.medium', 't3a.medium']);
    expect(mixed.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateName ?? mixed.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId).toBeTruthy();
    expect(mixed.MixedInstancesPolicy?.InstancesDistribution).toMatchObject({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 20, SpotAllocationStrategy: 'capacity-optimized', SpotMaxPrice: '0.05' });
    expect(mixed.CapacityRebalance).toBe(true);
    expect(mixed.NewInstancesProtectedFromScaleIn).toBe(true);
    expect((mixed.SuspendedProcesses ?? []).map((p) => p.ProcessName).sort()).toEqual(['AZRebalance', 'ScheduledActions']);

    const spot = await autoScalingGroup('spot-max');
    expect(spot.MixedInstancesPolicy).toBeUndefined();
    expect(spot.LaunchTemplate?.LaunchTemplateId).toBeTruthy();
    expect(spot.CapacityRebalance ?? false).toBe(false);
    expect(spot.SuspendedProcesses ?? []).toEqual([]);
  });

  it('converge: the next plan has nothing to change', async () => {
    const plan = await run(['update', 'cluster', NAME]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes: the cloud matches the spec');
  });
});
