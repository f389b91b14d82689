/**
 * Two node groups that use the kops machine fields (src/api/schema-group.ts), for the golden
 * files of their launch templates and Terraform blocks and for the moto test that applies them:
 * `mixed` runs spot and On-Demand over two instance types with a spot price cap, and `spot-max` is
 * all spot at a maximum price, stopped (not terminated) when EC2 takes a machine back, on
 * dedicated tenancy and EBS-optimized. Both have IMDSv2 with two
 * hops and two additionalUserData parts; `mixed` joins a Classic Load Balancer and a target group
 * made outside hoist (externalLoadBalancers).
 */

/** The external target group of `mixed` (its ARN's shape as elbv2 makes them). */
export const EXTERNAL_TARGET_GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/external/0123456789abcdef';

import { parse } from 'yaml';
import type { InstanceGroup } from '../../src/api/index.js';

const USER_DATA = `
  additionalUserData:
  - name: hello.sh
    type: text/x-shellscript
    content: |
      #!/bin/sh
      echo "hello from $(hostname)" > /var/tmp/hello
  - name: packages.yaml
    type: text/cloud-config
    content: |
      packages: [jq]
  instanceMetadata:
    httpTokens: required
    httpPutResponseHopLimit: 2`;

/** The groups' YAML, as `hoist create -f` takes it. */
/**
 * `lifetime: false` leaves out maxInstanceLifetime, which moto (5.2.1) neither keeps nor returns:
 * on moto, every plan would want to set it again. `external: false` leaves out
 * externalLoadBalancers, which moto refuses unless they exist (test/aws/external-lb.test.ts makes them).
 */
export function groupYaml(cluster: string, zone: string, minSize = 1, lifetime = true, external = true): string {
  return `apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata:
  name: mixed
  labels: { hoist.dev/cluster: ${cluster} }
spec:
  role: Node
  machineType: t3.medium
  minSize: ${minSize}
  maxSize: 4
  subnets: [${zone}]
  maxPrice: "0.05"
  mixedInstancesPolicy:
    instances: [t3.medium, t3a.medium]
    onDemandBase: 1
    onDemandAboveBase: 20
    spotAllocationStrategy: capacity-optimized
  rootVolumeType: gp3
  rootVolumeIops: 4000
  rootVolumeThroughput: 250
  rootVolumeEncryptionKey: arn:aws:kms:us-east-1:123456789012:alias/hoist-nodes
  volumes:
  - device: /dev/xvdd
    size: 20
    type: gp3
    throughput: 200
  cpuCredits: unlimited
  detailedInstanceMonitoring: true
  capacityRebalance: true
  suspendProcesses: [AZRebalance, ScheduledActions]
${lifetime ? '  maxInstanceLifetime: 168h\n' : ''}${external ? `  externalLoadBalancers:\n  - loadBalancerName: external-classic\n  - targetGroupArn: ${EXTERNAL_TARGET_GROUP}\n` : ''}  instanceProtection: true${USER_DATA}
---
apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata:
  name: spot-max
  labels: { hoist.dev/cluster: ${cluster} }
spec:
  role: Node
  machineType: m5.large
  minSize: ${minSize}
  maxSize: 2
  subnets: [${zone}]
  maxPrice: "0.04"
  instanceInterruptionBehavior: stop
  tenancy: dedicated
  rootVolumeOptimization: true${USER_DATA}
`;
}

export function groups(cluster: string, zone: string): InstanceGroup[] {
  return groupYaml(cluster, zone)
    .split(/^---$/m)
    .map((doc) => parse(doc) as InstanceGroup);
}
