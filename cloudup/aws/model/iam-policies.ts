/**
 * The IAM policies of a cluster's machines, least privilege first. A node reads only its own
 * instance group's configuration (`igconfig/<ig>/`), the issued certificates (`pki/issued/`) and
 * the nodeup bundles (`nodeup/`) of the state store, and writes only its own reports (`status/instances/<ig>/`). The control plane reads
 * the cluster's whole state, writes its reports and etcd backups, and may do what the cloud
 * controller, nodeup (its etcd volumes, tagged as the cluster's) and a DNS controller need.
 */

import type { Fields, Value } from '../../../src/engine/task.js';
import { CLUSTER_TAG, kubernetesClusterTag } from '../../tags.js';

export interface StoreLocation {
  readonly bucket: string;
  /** The cluster's folder in the bucket, with a trailing slash. */
  readonly prefix: string;
}

/** Where the state store keeps the cluster, when it is on S3 (nothing to grant otherwise). */
export function storeLocation(stateStore: string, cluster: string): StoreLocation | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(stateStore);
  if (!m) return undefined;
  const folder = m[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: `${folder === '' ? '' : `${folder}/`}${cluster}/` };
}

type Statement = { readonly [key: string]: Value };

export function assumeRolePolicy(): Fields {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
}

export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

function s3Statements(store: StoreLocation | undefined, region: string, read: readonly string[], write: readonly string[]): Statement[] {
  if (!store) return [];
  const arn = `arn:${partitionOf(region)}:s3:::${store.bucket}`;
  const keys = (folders: readonly string[]) => folders.map((f) => `${arn}/${store.prefix}${f}*`);
  return [
    { Sid: 'StateStoreLocate', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:GetEncryptionConfiguration'], Resource: [arn] },
    { Sid: 'StateStoreList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [arn], Condition: { StringLike: { 's3:prefix': read.map((f) => `${store.prefix}${f}*`) } } },
    { Sid: 'StateStoreRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: keys(read) },
    { Sid: 'StateStoreWrite', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: keys(write) },
  ];
}

const PULL_IMAGES: Statement = {
  Sid: 'PullImages',
  Effect: 'Allow',
  Action: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:DescribeRepositories', 'ecr:ListImages'],
  Resource: ['*'],
};

/**
 * nodeup completes the warm pool's lifecycle hook of its own group (kops's node permission), as
 * the machine's role: only where the group has the hook, and only on that group.
 */
export function lifecycleHookStatement(region: string, autoScalingGroup: string): Statement {
  return {
    Sid: 'CompleteLifecycleAction',
    Effect: 'Allow',
    Action: ['autoscaling:CompleteLifecycleAction'],
    Resource: [`arn:${partitionOf(region)}:autoscaling:${region}:*:autoScalingGroup:*:autoScalingGroupName/${autoScalingGroup}`],
  };
}

/** `hookGroup`: the Auto Scaling group whose lifecycle hook the machines complete, when the group has one. */
export function nodePolicy(store: StoreLocation | undefined, region: string, ig: string, hookGroup?: string): Fields {
  const statements = [
    // nodeup/: the nodeup bundle its boot script downloads.
    ...s3Statements(store, region, [`igconfig/${ig}/`, 'pki/issued/', 'nodeup/'], [`status/instances/${ig}/`]),
    { Sid: 'DescribeSelf', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions', 'ec2:DescribeInstanceTypes'], Resource: ['*'] },
    PULL_IMAGES,
    ...(hookGroup === undefined ? [] : [lifecycleHookStatement(region, hookGroup)]),
  ];
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * An APIServer machine's: a node's, plus the private keysets its API server and kubelet issue
 * from or sign with (`keysets`, never the etcd peers' CA) and the etcd members' published
 * addresses (`status/etcd/`). No etcd volumes, load balancers, routes or DNS.
 */
export function apiServerPolicy(store: StoreLocation | undefined, region: string, ig: string, keysets: readonly string[], hookGroup?: string): Fields {
  const read = [`igconfig/${ig}/`, 'pki/issued/', 'nodeup/', ...keysets.map((k) => `pki/private/${k}/`), 'status/etcd/'];
  const statements = [
    ...s3Statements(store, region, read, [`status/instances/${ig}/`]),
    { Sid: 'DescribeSelf', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions', 'ec2:DescribeInstanceTypes'], Resource: ['*'] },
    PULL_IMAGES,
    ...(hookGroup === undefined ? [] : [lifecycleHookStatement(region, hookGroup)]),
  ];
  return { Version: '2012-10-17', Statement: statements };
}

/** `hostedZoneArn`: the zone of dnsZone (a reference to its task), when the cluster has one. */
export function controlPlanePolicy(store: StoreLocation | undefined, region: string, cluster: string, hostedZoneArn: Value | undefined): Fields {
  const owned = { StringEquals: { [`aws:ResourceTag/${kubernetesClusterTag(cluster)}`]: 'owned' } };
  const statements: Statement[] = [
    ...s3Statements(store, region, [''], ['status/', 'backups/']),
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: ['ec2:Describe*', 'autoscaling:Describe*', 'elasticloadbalancing:Describe*', 'kms:DescribeKey'],
      Resource: ['*'],
    },
    // nodeup attaches its etcd member's volume to its own machine (nodeup/etcd/volume-aws.ts), as kops's
    // etcd-manager does: only volumes and machines tagged as this cluster's (AttachVolume is
    // authorized against both the volume and the instance).
    {
      Sid: 'EtcdVolumes',
      Effect: 'Allow',
      Action: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      Resource: [`arn:${partitionOf(region)}:ec2:${region}:*:volume/*`, `arn:${partitionOf(region)}:ec2:${region}:*:instance/*`],
      Condition: { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: cluster } },
    },
    // The cloud controller labels and routes the cluster's machines.
    {
      Sid: 'ClusterResources',
      Effect: 'Allow',
      Action: [
        'ec2:ModifyInstanceAttribute',
        'ec2:ModifyVolume',
        'ec2:CreateRoute',
        'ec2:DeleteRoute',
        'ec2:DeleteSecurityGroup',
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:DeleteVolume',
        'autoscaling:SetDesiredCapacity',
        'autoscaling:TerminateInstanceInAutoScalingGroup',
        'elasticloadbalancing:*',
      ],
      Resource: ['*'],
      Condition: owned,
    },
    // What the cloud controller creates for Services and volumes is tagged as the cluster's when made.
    {
      Sid: 'CreateForCluster',
      Effect: 'Allow',
      Action: ['ec2:CreateSecurityGroup', 'ec2:CreateVolume', 'ec2:CreateTags', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:AddTags'],
      Resource: ['*'],
      Condition: { StringEquals: { [`aws:RequestTag/${kubernetesClusterTag(cluster)}`]: 'owned' } },
    },
    { Sid: 'LoadBalancerRole', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'], Resource: ['*'], Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } } },
    PULL_IMAGES,
  ];
  if (hostedZoneArn !== undefined) {
    statements.push(
      { Sid: 'DnsRecords', Effect: 'Allow', Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:GetHostedZone'], Resource: [hostedZoneArn] },
      { Sid: 'DnsLookups', Effect: 'Allow', Action: ['route53:GetChange', 'route53:ListHostedZones', 'route53:ListHostedZonesByName'], Resource: ['*'] },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The name of the policy that holds a role's spec.additionalPolicies. */
export const ADDITIONAL_POLICY_NAME = 'additional';

/**
 * A policy of the statements in spec.additionalPolicies (validated as JSON statements): kops
 * takes a list of statements, or one statement, and so does hoist.
 */
export function additionalPolicy(text: string): Fields {
  const parsed = JSON.parse(text) as Value;
  return { Version: '2012-10-17', Statement: Array.isArray(parsed) ? parsed : [parsed] };
}
