/**
 * What the control plane's AWS addons may do, as an inline policy of its own (`addons`) on the
 * control-plane role: the AWS cloud-controller-manager (nodes, Services' load balancers and
 * their security groups) and the EBS CSI controller (volumes, and KMS for encrypted ones), with
 * the action lists kops grants them (pkg/model/iam/iam_builder.go: AddCCMPermissions,
 * AddAWSEBSCSIDriverPermissions, without snapshots). Changes are limited to what the cluster owns
 * (the `kubernetes.io/cluster/<name>` tag) and creations to what is tagged as the cluster's when
 * made. The CCM runs without cloud routes, so it gets no route actions. Nodes get nothing for
 * them: both controllers run on the control plane, and the CSI node plugin reads only instance
 * metadata. With spec.networking.amazonvpc, every role also gets the VPC CNI's policy.
 */

import type { Fields, Value } from '../../../src/engine/task.js';
import { kubernetesClusterTag } from '../../tags.js';
import { partitionOf } from './iam-policies.js';

export const ADDONS_POLICY_NAME = 'addons';
export const VPC_CNI_POLICY_NAME = 'amazon-vpc-cni';

type Statement = { readonly [key: string]: Value };

const DESCRIBE = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeTags',
  'ec2:DescribeAccountAttributes',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInstances',
  'ec2:DescribeRegions',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeTags',
  'ec2:DescribeVolumes',
  'ec2:DescribeVolumesModifications',
  'ec2:DescribeVpcs',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeLoadBalancerPolicies',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
  'iam:CreateServiceLinkedRole',
  'kms:DescribeKey',
];

/** EBS volumes encrypted with a customer key: the CSI driver attaches them through grants. */
const KMS = ['kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

/** On the cluster's own objects only. */
const OWNED = [
  'ec2:AttachVolume',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteVolume',
  'ec2:DetachVolume',
  'ec2:ModifyInstanceAttribute',
  'ec2:ModifyVolume',
  'ec2:RevokeSecurityGroupIngress',
  'elasticloadbalancing:AddTags',
  'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer',
  'elasticloadbalancing:AttachLoadBalancerToSubnets',
  'elasticloadbalancing:ConfigureHealthCheck',
  'elasticloadbalancing:CreateLoadBalancerListeners',
  'elasticloadbalancing:CreateLoadBalancerPolicy',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteLoadBalancerListeners',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:DetachLoadBalancerFromSubnets',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer',
  'elasticloadbalancing:SetLoadBalancerPoliciesOfListener',
];

/** Created only with the cluster's tag in the request. */
const CREATE = ['ec2:CreateSecurityGroup', 'ec2:CreateVolume', 'elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'];

/**
 * The Amazon VPC CNI (spec.networking.amazonvpc): its aws-node DaemonSet runs on every machine
 * and gives pods addresses of the machine's own network interfaces (kops's
 * addAmazonVPCCNIPermissions); tags only on network interfaces.
 */
export function amazonVpcCniPolicy(region: string): Fields {
  const ec2 = `arn:${partitionOf(region)}:ec2:*:*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AmazonVpcCni',
        Effect: 'Allow',
        Action: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:AttachNetworkInterface',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeInstances',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeTags',
          'ec2:DetachNetworkInterface',
          'ec2:ModifyNetworkInterfaceAttribute',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: ['*'],
      },
      { Sid: 'AmazonVpcCniTags', Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: [`${ec2}:network-interface/*`] },
    ],
  };
}

export function controlPlaneAddonsPolicy(region: string, cluster: string): Fields {
  const tag = kubernetesClusterTag(cluster);
  const ec2 = `arn:${partitionOf(region)}:ec2:*:*`;
  const statements: Statement[] = [
    { Sid: 'AddonsDescribe', Effect: 'Allow', Action: DESCRIBE, Resource: ['*'] },
    { Sid: 'AddonsEncryptedVolumes', Effect: 'Allow', Action: KMS, Resource: ['*'] },
    { Sid: 'AddonsOwned', Effect: 'Allow', Action: OWNED, Resource: ['*'], Condition: { StringEquals: { [`aws:ResourceTag/${tag}`]: 'owned' } } },
    { Sid: 'AddonsCreate', Effect: 'Allow', Action: CREATE, Resource: ['*'], Condition: { StringEquals: { [`aws:RequestTag/${tag}`]: 'owned' } } },
    // Tags may be set only as part of the creation they belong to.
    { Sid: 'AddonsTagOnCreate', Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: [`${ec2}:volume/*`, `${ec2}:security-group/*`], Condition: { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSecurityGroup'] } } },
  ];
  return { Version: '2012-10-17', Statement: statements };
}
