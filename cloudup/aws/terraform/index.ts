/**
 * The AWS cloud's terraform target: the tasks of a cluster (and the state-store objects its
 * machines read) as one Terraform module in JSON syntax. One renderer per task kind; a task of a
 * kind without one is an error that names it.
 */

import type { CompletedSpec } from '../../../src/api/index.js';
import { HoistError } from '../../../src/errors.js';
import { usesLoadBalancerName } from '../../../src/pki/api-endpoint.js';
import { TerraformModule, tfName } from '../../../src/engine/target-terraform.js';
import type { Task } from '../../../src/engine/task.js';
import { INSTANCE_GROUP_TAG } from '../../tags.js';
import { storeLocation } from '../model/iam-policies.js';
import { clusterTags } from '../model/tags.js';
import type { AutoScalingGroupFields } from '../tasks/autoscaling-group.js';
import type { LoadBalancerFields } from '../tasks/load-balancer.js';
import { autoScalingGroupRenderer } from './autoscaling-group.js';
import { discoveryDocumentRenderer } from './discovery-document.js';
import { dnsRecordRenderer } from './dns-record.js';
import { ebsVolumeRenderer } from './ebs-volume.js';
import { egressOnlyInternetGatewayRenderer } from './egress-only-internet-gateway.js';
import { elasticIpRenderer } from './elastic-ip.js';
import { hostedZoneRenderer } from './hosted-zone.js';
import { iamInstanceProfileRenderer } from './iam-instance-profile.js';
import { iamRolePolicyAttachmentRenderer } from './iam-role-policy-attachment.js';
import { iamRolePolicyRenderer } from './iam-role-policy.js';
import { iamRoleRenderer } from './iam-role.js';
import { internetGatewayRenderer } from './internet-gateway.js';
import { keyPairRenderer } from './key-pair.js';
import { launchTemplateRenderer } from './launch-template.js';
import { listenerRenderer } from './listener.js';
import { loadBalancerRenderer } from './load-balancer.js';
import { natGatewayRenderer } from './nat-gateway.js';
import { oidcProviderRenderer } from './oidc-provider.js';
import { moduleOutputs } from './outputs.js';
import { providerBlocks } from './provider.js';
import type { AwsTfEnv, AwsTfRenderer } from './render.js';
import { fieldsOf } from './render.js';
import { routeTableAssociationRenderer } from './route-table-association.js';
import { routeTableRenderer } from './route-table.js';
import { routeRenderer } from './route.js';
import { securityGroupRuleRenderer } from './security-group-rule.js';
import { securityGroupRenderer } from './security-group.js';
import { addStoreObjects } from './state-store.js';
import { subnetRenderer } from './subnet.js';
import { targetGroupRenderer } from './target-group.js';
import { vpcCidrBlockRenderer } from './vpc-cidr-block.js';
import { vpcRenderer } from './vpc.js';
import { foldWarmPools, lifecycleHookRenderer } from './warm-pool.js';

/**
 * A renderer for every kind the AWS model makes. `Instance` and `NetworkInterface` have none:
 * they are only listed when a cluster is torn down, never desired; `WarmPool` tasks are folded
 * into their groups first (warm-pool.ts).
 */
export const AWS_TF_RENDERERS: ReadonlyMap<string, AwsTfRenderer> = new Map(
  [
    vpcRenderer,
    vpcCidrBlockRenderer,
    subnetRenderer,
    internetGatewayRenderer,
    egressOnlyInternetGatewayRenderer,
    routeTableRenderer,
    routeRenderer,
    routeTableAssociationRenderer,
    elasticIpRenderer,
    natGatewayRenderer,
    securityGroupRenderer,
    securityGroupRuleRenderer,
    iamRoleRenderer,
    iamRolePolicyRenderer,
    iamRolePolicyAttachmentRenderer,
    iamInstanceProfileRenderer,
    oidcProviderRenderer,
    discoveryDocumentRenderer,
    keyPairRenderer,
    ebsVolumeRenderer,
    launchTemplateRenderer,
    lifecycleHookRenderer,
    autoScalingGroupRenderer,
    loadBalancerRenderer,
    targetGroupRenderer,
    listenerRenderer,
    hostedZoneRenderer,
    dnsRecordRenderer,
  ].map((r) => [r.kind, r]),
);

export interface AwsTerraformInput {
  readonly spec: CompletedSpec;
  readonly tasks: readonly Task[];
  /** The state store's URL: on S3, its objects for the machines become part of the module. */
  readonly stateStore: string;
  /** Each group's nodeup.yaml, by group name. */
  readonly nodeConfigs: ReadonlyMap<string, string>;
  /** `cluster-completed.spec` as `update cluster --yes` writes it. */
  readonly completedSpec: string;
}

export interface AwsTerraformModule {
  /** Every file of the module by its path in the output folder. */
  readonly files: ReadonlyMap<string, string>;
  /** Whether the state-store objects are in the module (only on an s3:// store). */
  readonly storeObjects: boolean;
  /** Resource blocks (a block with for_each counts once). */
  readonly resources: number;
}

export function renderAwsTerraform(input: AwsTerraformInput): AwsTerraformModule {
  const cluster = input.spec.cluster.metadata.name;
  const region = input.spec.cluster.spec.region;
  if (region === undefined || region === '') {
    throw new HoistError('INVALID_SPEC', `cluster ${cluster} has no region: its subnets name no zone`, { path: 'spec.region', hint: 'set spec.region, or the zones of the subnets (e.g. us-east-1a)' });
  }
  if (usesLoadBalancerName(input.spec)) {
    // The machines' nodeup.yaml and its hash in the launch templates would have to be rendered
    // by Terraform from the load balancer's dns_name: not done.
    throw new HoistError('UNSUPPORTED', `--target terraform does not support spec.topology.dns.type None: the machines of ${cluster} name the API by its load balancer's DNS name, which only exists once the load balancer is made`, {
      path: 'spec.topology.dns.type',
      hint: `apply the cluster with hoist update cluster ${cluster} --yes, or give it a dnsZone and topology.dns.type Public`,
    });
  }
  const store = storeLocation(input.stateStore, cluster);
  const module = new TerraformModule();
  const blocks = providerBlocks({ region, ...(store ? { stateStoreRegion: region } : {}) });
  module.set('terraform', blocks.terraform);
  module.set('provider', blocks.provider);
  module.set('variable', blocks.variable);

  const bootObjects = store ? addStoreObjects(module, { cluster, store, nodeConfigs: input.nodeConfigs, completedSpec: input.completedSpec }) : new Map<string, string>();
  const { tasks, warmPools } = foldWarmPools(input.tasks);
  const env: AwsTfEnv = { cluster, clusterTags: clusterTags(input.spec), warmPools };
  // Order Terraform cannot see in references. A group's machines read their nodeup.yaml at
  // boot: it is in place before they launch. AWS refuses an internet-facing load balancer in a
  // VPC without an internet gateway: the gateway comes first.
  const gateways = tasks.filter((t) => t.kind === 'InternetGateway' && t.lifecycle !== 'ExistsAndValidates').map((t) => `aws_internet_gateway.${tfName(t.name)}`);
  const ordering = (task: Task): string[] => {
    if (task.kind === 'LoadBalancer' && fieldsOf<LoadBalancerFields>(task).scheme !== 'internal') return gateways;
    if (task.kind !== 'AutoScalingGroup') return [];
    const ig = fieldsOf<AutoScalingGroupFields>(task).tags[INSTANCE_GROUP_TAG];
    const address = typeof ig === 'string' ? bootObjects.get(ig) : undefined;
    return address === undefined ? [] : [address];
  };
  module.renderTasks(tasks, AWS_TF_RENDERERS, env, ordering);
  module.set('output', moduleOutputs(module, input.spec, tasks));
  const files = module.files();
  return { files, storeObjects: store !== undefined, resources: module.count('resource') };
}
