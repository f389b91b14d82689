/**
 * Everything of a cluster in a test account, found the way an operator would look: every
 * resource type hoist creates, filtered by the cluster's tag (IAM by its path, DNS by name).
 */

import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { TestAccount } from './support.js';

const tagged = (tags: { Key?: string; Value?: string }[] | undefined, cluster: string) =>
  (tags ?? []).some((t) => (t.Key === 'hoist.dev/cluster' && t.Value === cluster) || t.Key === `kubernetes.io/cluster/${cluster}`);

/** `type id` of each object of the cluster still there (terminated and deleted ones excluded). */
export async function scanCluster(account: TestAccount, cluster: string): Promise<string[]> {
  const { ec2, autoscaling, elbv2, iam, route53 } = account.clients;
  const found: string[] = [];
  const add = (type: string, items: { id: string | undefined; tags: { Key?: string; Value?: string }[] | undefined }[]) => {
    for (const i of items) if (tagged(i.tags, cluster)) found.push(`${type} ${i.id}`);
  };
  add('vpc', ((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => ({ id: v.VpcId, tags: v.Tags })));
  add('subnet', ((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).map((v) => ({ id: v.SubnetId, tags: v.Tags })));
  add('internet-gateway', ((await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways ?? []).map((v) => ({ id: v.InternetGatewayId, tags: v.Tags })));
  add('route-table', ((await ec2.send(new DescribeRouteTablesCommand({}))).RouteTables ?? []).map((v) => ({ id: v.RouteTableId, tags: v.Tags })));
  add('elastic-ip', ((await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? []).map((v) => ({ id: v.AllocationId, tags: v.Tags })));
  add('nat-gateway', ((await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? []).filter((n) => n.State !== 'deleted').map((v) => ({ id: v.NatGatewayId, tags: v.Tags })));
  add('security-group', ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).map((v) => ({ id: v.GroupId, tags: v.Tags })));
  add('key-pair', ((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).map((v) => ({ id: v.KeyName, tags: v.Tags })));
  add('volume', ((await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []).map((v) => ({ id: v.VolumeId, tags: v.Tags })));
  add('launch-template', ((await ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: 200 }))).LaunchTemplates ?? []).map((v) => ({ id: v.LaunchTemplateId, tags: v.Tags })));
  const instances = ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
  add('instance', instances.filter((i) => i.State?.Name !== 'terminated').map((v) => ({ id: v.InstanceId, tags: v.Tags })));
  add('network-interface', ((await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? []).map((v) => ({ id: v.NetworkInterfaceId, tags: v.TagSet })));
  add('autoscaling-group', ((await autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []).map((v) => ({ id: v.AutoScalingGroupName, tags: v.Tags })));
  const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const arns = [...lbs.map((l) => l.LoadBalancerArn!), ...tgs.map((t) => t.TargetGroupArn!)];
  for (let i = 0; i < arns.length; i += 20) {
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }))).TagDescriptions ?? [];
    add('elbv2', tags.map((t) => ({ id: t.ResourceArn, tags: t.Tags })));
  }
  const path = `/hoist/${cluster}/`;
  found.push(...((await iam.send(new ListRolesCommand({ PathPrefix: path }))).Roles ?? []).map((r) => `iam-role ${r.RoleName}`));
  found.push(...((await iam.send(new ListInstanceProfilesCommand({ PathPrefix: path }))).InstanceProfiles ?? []).map((r) => `iam-instance-profile ${r.InstanceProfileName}`));
  for (const zone of (await route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []) {
    const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }))).ResourceRecordSets ?? [];
    found.push(...records.filter((r) => (r.Name ?? '').includes(cluster)).map((r) => `dns-record ${r.Name} ${r.Type}`));
  }
  return found;
}
