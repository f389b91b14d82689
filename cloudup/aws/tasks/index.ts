/** Every task kind of the AWS cloud. */
import type { TaskKind } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { autoScalingGroupKind } from './autoscaling-group.js';
import { discoveryDocumentKind } from './discovery-document.js';
import { dnsRecordKind } from './dns-record.js';
import { ebsVolumeKind } from './ebs-volume.js';
import { egressOnlyInternetGatewayKind } from './egress-only-internet-gateway.js';
import { elasticIpKind } from './elastic-ip.js';
import { hostedZoneKind } from './hosted-zone.js';
import { iamInstanceProfileKind } from './iam-instance-profile.js';
import { iamRolePolicyAttachmentKind } from './iam-role-policy-attachment.js';
import { iamRolePolicyKind } from './iam-role-policy.js';
import { iamRoleKind } from './iam-role.js';
import { instanceKind } from './instance.js';
import { internetGatewayKind } from './internet-gateway.js';
import { keyPairKind } from './key-pair.js';
import { launchTemplateKind } from './launch-template.js';
import { lifecycleHookKind } from './lifecycle-hook.js';
import { listenerKind } from './listener.js';
import { loadBalancerKind } from './load-balancer.js';
import { natGatewayKind } from './nat-gateway.js';
import { oidcProviderKind } from './oidc-provider.js';
import { networkInterfaceKind } from './network-interface.js';
import { routeTableAssociationKind } from './route-table-association.js';
import { routeTableKind } from './route-table.js';
import { routeKind } from './route.js';
import { securityGroupRuleKind } from './security-group-rule.js';
import { securityGroupKind } from './security-group.js';
import { subnetKind } from './subnet.js';
import { targetGroupKind } from './target-group.js';
import { vpcCidrBlockKind } from './vpc-cidr-block.js';
import { vpcKind } from './vpc.js';
import { warmPoolKind } from './warm-pool.js';

export const AWS_KINDS: ReadonlyMap<string, TaskKind<AwsContext>> = new Map(
  [
    vpcKind,
    vpcCidrBlockKind,
    subnetKind,
    internetGatewayKind,
    egressOnlyInternetGatewayKind,
    routeTableKind,
    routeKind,
    routeTableAssociationKind,
    elasticIpKind,
    natGatewayKind,
    securityGroupKind,
    securityGroupRuleKind,
    iamRoleKind,
    iamRolePolicyKind,
    iamRolePolicyAttachmentKind,
    iamInstanceProfileKind,
    oidcProviderKind,
    discoveryDocumentKind,
    keyPairKind,
    ebsVolumeKind,
    launchTemplateKind,
    autoScalingGroupKind,
    warmPoolKind,
    lifecycleHookKind,
    loadBalancerKind,
    targetGroupKind,
    listenerKind,
    hostedZoneKind,
    dnsRecordKind,
    instanceKind,
    networkInterfaceKind,
  ].map((k) => [k.kind, k]),
);
