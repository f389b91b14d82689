/**
 * InstanceGroup: keeps N instances of a template version running. The desired capacity starts
 * at minSize and is only moved when a new min or max leaves it outside them, so that a scale
 * made by hand or by an autoscaler is not undone by every apply.
 */
import type { InstanceGroup, UpdateBodies } from '../api-types.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { changedFields, localKind } from './resource-kind.js';

export interface InstanceGroupFields {
  readonly templateId: string;
  /** The template's version new instances launch from (the model pins its latest). */
  readonly templateVersion: InstanceGroup['templateVersion'];
  readonly subnetIds: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly loadBalancerIds: readonly string[];
}

export const instanceGroupTask = taskConstructor<InstanceGroupFields>('InstanceGroup');

export const instanceGroupKind = localKind<'instanceGroups', InstanceGroupFields>({
  kind: 'InstanceGroup',
  type: 'instanceGroups',
  uses: ['InstanceTemplate', 'Subnet', 'LoadBalancer'],
  fields: (g) => ({
    templateId: g.templateId,
    templateVersion: g.templateVersion,
    subnetIds: [...g.subnetIds],
    minSize: g.minSize,
    maxSize: g.maxSize,
    loadBalancerIds: [...g.loadBalancerIds],
  }),
  outputs: (g) => ({ desiredCapacity: g.desiredCapacity }),
  body: (d) => ({ ...d, desiredCapacity: d.minSize }),
  immutable: ['templateId'],
  patch: (d, live, changes) => {
    const patch: Partial<UpdateBodies['instanceGroups']> = changedFields<InstanceGroupFields, UpdateBodies['instanceGroups']>(d, changes);
    const { minSize: min, maxSize: max } = d;
    if (live.desiredCapacity < min || live.desiredCapacity > max) return { ...patch, desiredCapacity: Math.min(max, Math.max(min, live.desiredCapacity)) };
    return patch;
  },
});
