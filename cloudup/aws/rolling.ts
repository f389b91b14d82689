/**
 * AWS's side of rolling updates and validation. A surge detaches instances from their Auto
 * Scaling group without lowering its desired capacity, so the group launches replacements
 * while the old machines keep serving; what an instance needs is judged from the launch
 * template version it was launched from against the one its group launches now. A group's warm
 * pool (DescribeWarmPool, only for groups that have one) holds machines that are the group's but
 * not its members: they are listed apart, and terminated with EC2's TerminateInstances.
 */

import { DescribeTargetHealthCommand, paginateDescribeTargetGroups } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeWarmPoolCommand, DetachInstancesCommand, TerminateInstanceInAutoScalingGroupCommand, paginateDescribeAutoScalingGroups } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { readInstanceStatuses } from '../../nodeup/status.js';
import { outOfDate, staleFields } from '../rolling/out-of-date.js';
import type { RollingCloud, RollingGroup, RollingInstance } from '../rolling/types.js';
import { CLUSTER_TAG, INSTANCE_GROUP_TAG } from '../tags.js';
import type { AwsContext } from './context.js';
import { listAwsInstances } from './instances.js';
import { elbName } from './names.js';
import { tagMap } from './tags.js';

export function awsRollingCloud(ctx: AwsContext, spec: CompletedSpec, store: ObjectStore): RollingCloud {
  const cluster = spec.cluster.metadata.name;
  const asgOf = new Map<string, string>();

  const groups = async (): Promise<RollingGroup[]> => {
    const [asgs, instances, statuses] = await Promise.all([listGroups(ctx, cluster), listAwsInstances(ctx), readInstanceStatuses(store, cluster)]);
    const warmIds = await warmPoolInstances(ctx, asgs);
    const byIg = new Map(asgs.map((g) => [tagMap(g.Tags)[INSTANCE_GROUP_TAG] ?? '', g]));
    return spec.instanceGroups.flatMap((ig): RollingGroup[] => {
      const asg = byIg.get(ig.metadata.name);
      if (!asg) return [];
      asgOf.set(ig.metadata.name, asg.AutoScalingGroupName!);
      const members = new Map((asg.Instances ?? []).map((i) => [i.InstanceId!, i]));
      const wanted = Number(asg.LaunchTemplate?.Version ?? asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version);
      const all = instances.filter((i) => i.instanceGroup === ig.metadata.name && i.state !== 'terminated' && i.state !== 'shutting-down');
      // The warm pool's machines are the group's without being its members (nor detached for a surge).
      const warm = all.filter((i) => warmIds.has(i.id));
      const mine = all.filter((i) => !warmIds.has(i.id));
      const launches = Number.isFinite(wanted) ? wanted : undefined;
      return [{
        name: ig.metadata.name,
        role: ig.spec.role,
        minSize: asg.MinSize ?? 0,
        maxSize: asg.MaxSize ?? 0,
        desired: asg.DesiredCapacity ?? 0,
        instances: mine.map((i): RollingInstance => {
          const member = members.get(i.id);
          const status = statuses.get(i.id);
          const cloudReady = i.state === 'running' && (member === undefined || member.LifecycleState === 'InService');
          return {
            id: i.id,
            group: ig.metadata.name,
            state: i.state === 'running' ? 'running' : i.state === 'pending' ? 'pending' : 'stopping',
            cloudReady,
            ready: cloudReady && status?.phase === 'Ready',
            ...staleFields(outOfDate({ state: i.state, launchedFrom: i.templateVersion, groupLaunches: launches })),
            detached: member === undefined,
            drained: false,
            ...(i.address ? { address: i.address } : {}),
            ...(status ? { phase: status.phase } : {}),
            ...(status?.error ? { lastError: `${status.error.task ? `${status.error.task}: ` : ''}${status.error.message}` } : {}),
          };
        }),
        ...(warm.length > 0 ? { warmPool: warm.map((i) => ({ id: i.id, needsUpdate: outOfDate({ state: i.state, launchedFrom: i.templateVersion, groupLaunches: launches }).needsUpdate })) } : {}),
      }];
    });
  };

  const asgName = async (group: string): Promise<string> => {
    if (!asgOf.has(group)) await groups();
    const name = asgOf.get(group);
    if (!name) throw new HoistError('NOT_FOUND', `instance group ${group} of ${cluster} has no Auto Scaling group`);
    return name;
  };

  return {
    supportsSurge: true,
    drains: false,
    pollMs: 5000,
    groups,
    async detach(group, id) {
      await ctx.clients.autoscaling.send(new DetachInstancesCommand({ AutoScalingGroupName: await asgName(group), InstanceIds: [id], ShouldDecrementDesiredCapacity: false }));
    },
    async terminate(group, id) {
      const g = (await groups()).find((x) => x.name === group);
      // A warm pool's machine: the pool launches another in its place.
      if (g?.warmPool?.some((w) => w.id === id)) {
        await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
        return;
      }
      const current = g?.instances.find((i) => i.id === id);
      if (!current) return;
      if (current.detached) await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      else await ctx.clients.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: false }));
    },
    drain() {
      return Promise.reject(new HoistError('UNSUPPORTED', 'draining nodes through the Kubernetes API is not available in this version of hoist', {
        hint: 'replace the machines without draining: hoist rolling-update cluster --cloudonly',
      }));
    },
    drained: async () => false,
    async apiProblem() {
      // Without a load balancer the API is the control plane's DNS name, which names the
      // machines whose reports already say whether they are Ready.
      if (!spec.cluster.spec.api.loadBalancer) return undefined;
      const name = elbName('tcp', cluster);
      for await (const page of paginateDescribeTargetGroups({ client: ctx.clients.elbv2 }, {})) {
        const tg = (page.TargetGroups ?? []).find((t) => t.TargetGroupName === name);
        if (!tg) continue;
        const health = await ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
        const healthy = (health.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy');
        return healthy.length > 0 ? undefined : `no healthy API server behind the load balancer's target group ${name}`;
      }
      return `the API load balancer's target group ${name} does not exist`;
    },
  };
}

/** The ids of the machines in the groups' warm pools: DescribeWarmPool, only for groups that have one. */
async function warmPoolInstances(ctx: AwsContext, asgs: readonly AutoScalingGroup[]): Promise<Set<string>> {
  const ids = new Set<string>();
  await Promise.all(
    asgs
      .filter((g) => g.WarmPoolConfiguration !== undefined)
      .map(async (g) => {
        let token: string | undefined;
        do {
          const page = await ctx.clients.autoscaling.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: g.AutoScalingGroupName!, ...(token ? { NextToken: token } : {}) }));
          for (const i of page.Instances ?? []) if (i.InstanceId) ids.add(i.InstanceId);
          token = page.NextToken;
        } while (token);
      }),
  );
  return ids;
}

async function listGroups(ctx: AwsContext, cluster: string): Promise<AutoScalingGroup[]> {
  const out: AutoScalingGroup[] = [];
  const filters = [{ Name: `tag:${CLUSTER_TAG}`, Values: [cluster] }];
  for await (const page of paginateDescribeAutoScalingGroups({ client: ctx.clients.autoscaling }, { Filters: filters })) out.push(...(page.AutoScalingGroups ?? []));
  return out;
}
