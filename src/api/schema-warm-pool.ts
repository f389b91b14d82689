/**
 * kops's `warmPool` (v1alpha2 `WarmPoolSpec`): machines an Auto Scaling group keeps launched,
 * prepared and stopped, so a scale-up starts one of them instead of a new machine. On the
 * Cluster it is the default of every Node group; on an InstanceGroup it overrides that default
 * field by field. Names and meanings are kops's; what it means once resolved, and its rules, are
 * warm-pool.ts.
 */

import * as z from 'zod';

export const WarmPoolSchema = z
  .strictObject({
    minSize: z.int().min(0).optional().describe('Machines the warm pool keeps at least, whatever the group runs. Default: 0.'),
    maxSize: z
      .int()
      .min(0)
      .optional()
      .describe('Machines the group and its warm pool hold together at most (AWS\'s MaxGroupPreparedCapacity): the pool holds this less the group\'s desired capacity, and never fewer than minSize. 0 turns the warm pool off (an InstanceGroup\'s 0 leaves it out of the Cluster\'s). Default: the group\'s maxSize.'),
    enableLifecycleHook: z
      .boolean()
      .optional()
      .describe('Add the Auto Scaling lifecycle hook kops-warmpool (EC2_INSTANCE_LAUNCHING, 600 s, then ABANDON) that nodeup completes once it has prepared the machine, so that AWS stops a warming machine only after its downloads. Default: false.'),
  })
  .describe('aws: an Auto Scaling warm pool of the group\'s machines, prepared by nodeup (downloads, packages) and stopped, started on a scale-up. Refused on other clouds.');

/** Spread into the Cluster's spec: the default of every Node and APIServer group. */
export const ClusterWarmPoolShape = {
  warmPool: WarmPoolSchema.optional().describe('aws: the warm pool of every Node and APIServer group (kops\'s default; an InstanceGroup\'s warmPool overrides it field by field). Refused on other clouds.'),
};

/** Spread into the InstanceGroup's spec. */
export const GroupWarmPoolShape = {
  warmPool: WarmPoolSchema.optional().describe('aws: the group\'s warm pool (Node and APIServer groups), over the Cluster\'s warmPool field by field. Refused on other clouds.'),
};
