/**
 * AutoScalingGroup → `aws_autoscaling_group` on its template's `latest_version`, every tag
 * propagated at launch. The desired capacity is left to AWS (it starts at min_size), so that a
 * scale made by hand or by an autoscaler is not undone by the next apply, as with the direct target.
 * A group with a mixed-instances policy names its template inside the policy (the provider, like
 * AWS, takes one or the other). The group's load balancers (the API's target groups and the spec's
 * externalLoadBalancers) are its own `target_group_arns` and `load_balancers`, not
 * aws_autoscaling_attachment resources, which the provider would see as drift of the group.
 * Its warm pool is its `warm_pool` block (warm-pool.ts).
 */

import type { TfJson, TfObject, TfRenderContext } from '../../../src/engine/target-terraform.js';
import { isRef } from '../../../src/engine/task.js';
import type { Unresolved } from '../../../src/engine/task.js';
import type { AutoScalingGroupFields, MixedInstancesFields } from '../tasks/autoscaling-group.js';
import type { AwsTfRenderer } from './render.js';
import { compact, fieldsOf, resource } from './render.js';

function mixedPolicy(ctx: TfRenderContext, m: Unresolved<MixedInstancesFields>, template: TfObject): TfObject {
  const optional = (v: Unresolved<string | number> | undefined) => (v === undefined ? undefined : ctx.value(v));
  return {
    launch_template: [{ launch_template_specification: [template], override: m.instanceTypes.map((t) => ({ instance_type: ctx.value(t) })) }],
    instances_distribution: [
      compact({
        on_demand_allocation_strategy: optional(m.onDemandAllocationStrategy),
        on_demand_base_capacity: optional(m.onDemandBaseCapacity),
        on_demand_percentage_above_base_capacity: optional(m.onDemandPercentageAboveBaseCapacity),
        spot_allocation_strategy: optional(m.spotAllocationStrategy),
        spot_instance_pools: optional(m.spotInstancePools),
        spot_max_price: optional(m.spotMaxPrice),
      }),
    ],
  };
}

export const autoScalingGroupRenderer: AwsTfRenderer = {
  kind: 'AutoScalingGroup',
  render(task, ctx, env) {
    const d = fieldsOf<AutoScalingGroupFields>(task);
    const pool = env.warmPools?.get(task.name);
    const mixed = d.mixedInstancesPolicy && !isRef(d.mixedInstancesPolicy) ? d.mixedInstancesPolicy : undefined;
    const processes = d.suspendedProcesses;
    const targets = [...d.targetGroupArns, ...(d.externalTargetGroupArns ?? [])];
    const names = d.loadBalancerNames ?? [];
    return resource(
      'aws_autoscaling_group',
      {
        name: ctx.value(d.autoScalingGroupName),
        min_size: ctx.value(d.minSize),
        max_size: ctx.value(d.maxSize),
        vpc_zone_identifier: ctx.value(d.vpcZoneIdentifier),
        // hoist's own target groups and the spec's external ones in one argument, as the direct target attaches them all.
        target_group_arns: targets.length === 0 ? undefined : targets.map((t) => ctx.value(t)),
        load_balancers: names.length === 0 ? undefined : names.map((n) => ctx.value(n)),
        launch_template: mixed ? undefined : [{ id: ctx.value(d.launchTemplateId), version: ctx.value(d.launchTemplateVersion) }],
        mixed_instances_policy: mixed ? [mixedPolicy(ctx, mixed, { launch_template_id: ctx.value(d.launchTemplateId), version: ctx.value(d.launchTemplateVersion) })] : undefined,
        // Left out at their defaults (false, none, 0), which is what Terraform then keeps.
        capacity_rebalance: d.capacityRebalance ? ctx.value(d.capacityRebalance) : undefined,
        suspended_processes: processes === undefined || processes.length === 0 ? undefined : ctx.value(processes),
        max_instance_lifetime: d.maxInstanceLifetime ? ctx.value(d.maxInstanceLifetime) : undefined,
        protect_from_scale_in: d.newInstancesProtectedFromScaleIn ? ctx.value(d.newInstancesProtectedFromScaleIn) : undefined,
        // The group's WarmPool task, folded in (warm-pool.ts); -1 is the group's max_size, as the provider's default.
        warm_pool: pool === undefined ? undefined : [{ min_size: ctx.value(pool.minSize), max_group_prepared_capacity: ctx.value(pool.maxGroupPreparedCapacity) }],
        tag: Object.keys(d.tags)
          .sort()
          .map((key): TfJson => ({ key: ctx.value(key), value: ctx.value(d.tags[key]!), propagate_at_launch: true })),
      },
      { id: 'name', desiredCapacity: 'desired_capacity' },
    );
  },
};
