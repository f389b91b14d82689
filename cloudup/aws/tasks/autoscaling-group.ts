/**
 * AutoScalingGroup of an instance group (CreateAutoScalingGroup), its tags propagated at launch.
 * The desired capacity starts at minSize and is only moved when new sizes leave it outside
 * them, so that a scale made by hand or by an autoscaler is not undone by every apply.
 * Deleting waits until the group and its instances are gone.
 *
 * The group's target groups are hoist's own (the API load balancer's, by reference) and the
 * spec's external ones (externalLoadBalancers): AWS lists them together, and `comparable` sorts the
 * live ones back into the two fields, so each is compared with what the task says of it.
 */

import {
  AttachLoadBalancerTargetGroupsCommand,
  AttachLoadBalancersCommand,
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DetachLoadBalancerTargetGroupsCommand,
  DetachLoadBalancersCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup, CreateAutoScalingGroupCommandInput, MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { NotReadyError } from '../../../src/engine/executor.js';
import type { Fields, LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listAutoScalingGroups } from '../listings/autoscaling-groups.js';
import type { Listed } from '../listings/ec2.js';
import { tagMap, tagsToSet, userTags } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields, liveFields } from './kind.js';
import { liveObject, liveTags } from './live.js';

export interface AutoScalingGroupFields {
  readonly autoScalingGroupName: string;
  readonly launchTemplateId: string;
  /** A version number, as text. */
  readonly launchTemplateVersion: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Subnet ids. */
  readonly vpcZoneIdentifier: readonly string[];
  /** hoist's own target groups (the API load balancer's). */
  readonly targetGroupArns: readonly string[];
  /** Target groups made outside hoist (externalLoadBalancers), sorted. */
  readonly externalTargetGroupArns?: readonly string[];
  /** Classic Load Balancers made outside hoist (externalLoadBalancers), sorted. */
  readonly loadBalancerNames?: readonly string[];
  readonly tags: TagMap;
  /** Several instance types and a mix of On-Demand and spot; null: the template's type, as it says. */
  readonly mixedInstancesPolicy?: MixedInstancesFields | null;
  readonly capacityRebalance?: boolean;
  /** Names of suspended processes, sorted. */
  readonly suspendedProcesses?: readonly string[];
  /** Seconds; 0 for no limit. */
  readonly maxInstanceLifetime?: number;
  readonly newInstancesProtectedFromScaleIn?: boolean;
}

/** What the group runs beside its launch template; a field left out is AWS's default. */
export type MixedInstancesFields = {
  readonly instanceTypes: readonly string[];
  readonly onDemandAllocationStrategy?: string;
  readonly onDemandBaseCapacity?: number;
  readonly onDemandPercentageAboveBaseCapacity?: number;
  readonly spotAllocationStrategy?: string;
  readonly spotInstancePools?: number;
  /** "" for the On-Demand price. */
  readonly spotMaxPrice?: string;
};

export const autoScalingGroupTask = taskConstructor<AutoScalingGroupFields>('AutoScalingGroup');

function mixedFields(p: MixedInstancesPolicy | undefined): MixedInstancesFields | null {
  if (!p) return null;
  const d = p.InstancesDistribution ?? {};
  const optional = <K extends string, V>(key: K, v: V | undefined) => (v === undefined || v === null ? {} : ({ [key]: v } as Record<K, V>));
  return {
    instanceTypes: (p.LaunchTemplate?.Overrides ?? []).flatMap((o) => (o.InstanceType ? [o.InstanceType] : [])),
    ...optional('onDemandAllocationStrategy', d.OnDemandAllocationStrategy),
    ...optional('onDemandBaseCapacity', d.OnDemandBaseCapacity),
    ...optional('onDemandPercentageAboveBaseCapacity', d.OnDemandPercentageAboveBaseCapacity),
    ...optional('spotAllocationStrategy', d.SpotAllocationStrategy),
    ...optional('spotInstancePools', d.SpotInstancePools),
    spotMaxPrice: d.SpotMaxPrice ?? '',
  };
}

/** The group's template, and its mixed-instances policy when it has one (they exclude each other). */
function launchSettings(d: AutoScalingGroupFields): Pick<CreateAutoScalingGroupCommandInput, 'LaunchTemplate' | 'MixedInstancesPolicy'> {
  const template = { LaunchTemplateId: d.launchTemplateId, Version: d.launchTemplateVersion };
  const m = d.mixedInstancesPolicy;
  if (!m) return { LaunchTemplate: template };
  return {
    MixedInstancesPolicy: {
      LaunchTemplate: { LaunchTemplateSpecification: template, Overrides: m.instanceTypes.map((InstanceType) => ({ InstanceType })) },
      InstancesDistribution: {
        OnDemandAllocationStrategy: m.onDemandAllocationStrategy,
        OnDemandBaseCapacity: m.onDemandBaseCapacity,
        OnDemandPercentageAboveBaseCapacity: m.onDemandPercentageAboveBaseCapacity,
        SpotAllocationStrategy: m.spotAllocationStrategy,
        SpotInstancePools: m.spotInstancePools,
        // "" asks for the On-Demand price as the cap, which is AWS's default.
        SpotMaxPrice: m.spotMaxPrice,
      },
    },
  };
}

/** The settings UpdateAutoScalingGroup takes as they are, where the task sets them. */
function groupSettings(d: AutoScalingGroupFields): Partial<CreateAutoScalingGroupCommandInput> {
  return {
    ...(d.capacityRebalance === undefined ? {} : { CapacityRebalance: d.capacityRebalance }),
    ...(d.maxInstanceLifetime === undefined ? {} : { MaxInstanceLifetime: d.maxInstanceLifetime }),
    ...(d.newInstancesProtectedFromScaleIn === undefined ? {} : { NewInstancesProtectedFromScaleIn: d.newInstancesProtectedFromScaleIn }),
  };
}

/** Suspends and resumes processes so that exactly the task's are suspended. */
async function syncProcesses(ctx: AwsContext, name: string, want: readonly string[], have: readonly string[]): Promise<void> {
  const suspend = want.filter((p) => !have.includes(p));
  const resume = have.filter((p) => !want.includes(p));
  if (suspend.length > 0) await ctx.clients.autoscaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: suspend }));
  if (resume.length > 0) await ctx.clients.autoscaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: resume }));
}

function toLive(ctx: AwsContext, g: Listed<AutoScalingGroup>): LiveObject {
  const tags = userTags(tagMap(g.item.Tags));
  const template = g.item.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? g.item.LaunchTemplate;
  return liveObject(
    ctx,
    g,
    g.item.AutoScalingGroupName!,
    tags,
    {
      autoScalingGroupName: g.item.AutoScalingGroupName!,
      launchTemplateId: template?.LaunchTemplateId ?? '',
      launchTemplateVersion: template?.Version ?? '',
      minSize: g.item.MinSize ?? 0,
      maxSize: g.item.MaxSize ?? 0,
      vpcZoneIdentifier: (g.item.VPCZoneIdentifier ?? '').split(',').filter((s) => s !== ''),
      targetGroupArns: [...(g.item.TargetGroupARNs ?? [])].sort(),
      externalTargetGroupArns: [],
      loadBalancerNames: [...(g.item.LoadBalancerNames ?? [])].sort(),
      tags,
      mixedInstancesPolicy: mixedFields(g.item.MixedInstancesPolicy),
      capacityRebalance: g.item.CapacityRebalance ?? false,
      suspendedProcesses: (g.item.SuspendedProcesses ?? []).flatMap((p) => (p.ProcessName ? [p.ProcessName] : [])).sort(),
      maxInstanceLifetime: g.item.MaxInstanceLifetime ?? 0,
      newInstancesProtectedFromScaleIn: g.item.NewInstancesProtectedFromScaleIn ?? false,
    },
    // The listing leaves out the groups' instances (IncludeInstances: false): no output counts them.
    { desiredCapacity: g.item.DesiredCapacity ?? 0 },
  );
}

/** Every target group the group is to be in: hoist's and the spec's external ones. */
function allTargetGroups(d: AutoScalingGroupFields): string[] {
  return [...new Set([...d.targetGroupArns, ...(d.externalTargetGroupArns ?? [])])];
}

function difference(want: readonly string[], have: readonly string[]): { attach: string[]; detach: string[] } {
  return { attach: want.filter((a) => !have.includes(a)), detach: [...new Set(have)].filter((a) => !want.includes(a)) };
}

/**
 * The live target groups split as the task has them: those the task names as external in
 * externalTargetGroupArns (in its order), the rest in targetGroupArns.
 */
function splitTargetGroups(live: ResolvedFields, desired: Fields): ResolvedFields {
  const wanted = desired['externalTargetGroupArns'];
  const all = [...((live['targetGroupArns'] as readonly string[] | undefined) ?? []), ...((live['externalTargetGroupArns'] as readonly string[] | undefined) ?? [])];
  const external = Array.isArray(wanted) ? (wanted as readonly unknown[]).filter((a): a is string => typeof a === 'string' && all.includes(a)) : [];
  return { ...live, targetGroupArns: all.filter((a) => !external.includes(a)).sort(), externalTargetGroupArns: external };
}

const asgTags = (name: string, tags: TagMap) =>
  Object.keys(tags).sort().map((Key) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key, Value: tags[Key]!, PropagateAtLaunch: true }));

async function describe(ctx: AwsContext, name: string): Promise<AutoScalingGroup | undefined> {
  return (await ctx.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
}

async function apply(ctx: AwsContext, live: LiveObject, d: AutoScalingGroupFields, changed: ReadonlySet<string>): Promise<void> {
  const name = live.id;
  const min = d.minSize;
  const max = d.maxSize;
  const capacity = Number(live.outputs['desiredCapacity'] ?? min);
  const clamped = Math.min(max, Math.max(min, capacity));
  const updated = ['launchTemplateId', 'launchTemplateVersion', 'minSize', 'maxSize', 'vpcZoneIdentifier', 'mixedInstancesPolicy', 'capacityRebalance', 'maxInstanceLifetime', 'newInstancesProtectedFromScaleIn'];
  if (updated.some((f) => changed.has(f)) || clamped !== capacity) {
    await ctx.clients.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        ...launchSettings(d),
        ...groupSettings(d),
        MinSize: min,
        MaxSize: max,
        ...(clamped === capacity ? {} : { DesiredCapacity: clamped }),
        VPCZoneIdentifier: d.vpcZoneIdentifier.join(','),
      }),
    );
  }
  if (changed.has('suspendedProcesses') && d.suspendedProcesses) {
    await syncProcesses(ctx, name, d.suspendedProcesses, liveFields<AutoScalingGroupFields>(live).suspendedProcesses ?? []);
  }
  const have = liveFields<AutoScalingGroupFields>(live);
  if (changed.has('targetGroupArns') || changed.has('externalTargetGroupArns')) {
    // The listing holds every target group of the group in targetGroupArns (toLive).
    const { attach, detach } = difference(allTargetGroups(d), [...have.targetGroupArns, ...(have.externalTargetGroupArns ?? [])]);
    if (attach.length > 0) await ctx.clients.autoscaling.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: attach }));
    if (detach.length > 0) await ctx.clients.autoscaling.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: detach }));
  }
  if (changed.has('loadBalancerNames') && d.loadBalancerNames) {
    const { attach, detach } = difference(d.loadBalancerNames, have.loadBalancerNames ?? []);
    if (attach.length > 0) await ctx.clients.autoscaling.send(new AttachLoadBalancersCommand({ AutoScalingGroupName: name, LoadBalancerNames: attach }));
    if (detach.length > 0) await ctx.clients.autoscaling.send(new DetachLoadBalancersCommand({ AutoScalingGroupName: name, LoadBalancerNames: detach }));
  }
  if (changed.has('tags')) {
    const set = tagsToSet(d.tags, liveTags(live));
    if (Object.keys(set).length > 0) await ctx.clients.autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: asgTags(name, set) }));
  }
}

export const autoScalingGroupKind = awsKind<AutoScalingGroupFields>({
  kind: 'AutoScalingGroup',
  // Instances: when tearing down, stray instances go after their group, which would replace them.
  uses: ['LaunchTemplate', 'Subnet', 'TargetGroup', 'Instance'],
  immutable: ['autoScalingGroupName'],
  comparable: splitTargetGroups,
  // The groups the session's spec wants are described by name (listings/autoscaling-groups.ts).
  list: async (ctx) => (await listAutoScalingGroups(ctx)).map((g) => toLive(ctx, g)),
  async create(ctx, task, d) {
    const name = d.autoScalingGroupName;
    try {
      await ctx.clients.autoscaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          ...launchSettings(d),
          ...groupSettings(d),
          MinSize: d.minSize,
          MaxSize: d.maxSize,
          DesiredCapacity: d.minSize,
          VPCZoneIdentifier: d.vpcZoneIdentifier.join(','),
          TargetGroupARNs: allTargetGroups(d),
          ...(d.loadBalancerNames && d.loadBalancerNames.length > 0 ? { LoadBalancerNames: [...d.loadBalancerNames] } : {}),
          Tags: asgTags(name, d.tags),
        }),
      );
    } catch (e) {
      // Names are unique in the region: a group of this name made by a lost attempt is this one.
      if (!hasName(e, 'AlreadyExists', 'AlreadyExistsFault')) throw e;
      const existing = await describe(ctx, name);
      if (!existing || tagMap(existing.Tags)['Name'] !== task.name) throw e;
      const live = toLive(ctx, { item: existing, owner: 'hoist' });
      await apply(ctx, live, d, new Set(Object.keys(d)));
      return liveObject(ctx, { owner: 'hoist' }, name, d.tags, { ...d }, { desiredCapacity: d.minSize });
    }
    // Processes can only be suspended once the group exists.
    if (d.suspendedProcesses && d.suspendedProcesses.length > 0) await syncProcesses(ctx, name, d.suspendedProcesses, []);
    return liveObject(ctx, { owner: 'hoist' }, name, d.tags, { ...d }, { desiredCapacity: d.minSize });
  },
  async update(ctx, _task, live, d, changes) {
    await apply(ctx, live, d, changedFields(changes));
    return { ...live, fields: { ...d } };
  },
  async delete(ctx, live) {
    try {
      await ctx.clients.autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: live.id, ForceDelete: true }));
    } catch (e) {
      // Deleting already: wait for it below.
      if (!hasName(e, 'ScalingActivityInProgress', 'ScalingActivityInProgressFault', 'ResourceInUse', 'ResourceInUseFault')) throw e;
    }
    if (await describe(ctx, live.id)) throw new NotReadyError(`Auto Scaling group ${live.id} is being deleted`);
    const running = await ctx.clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:aws:autoscaling:groupName', Values: [live.id] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
        ],
      }),
    );
    const left = (running.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
    if (left > 0) throw new NotReadyError(`${left} instance(s) of Auto Scaling group ${live.id} are still terminating`);
  },
});
