/**
 * InstanceGroup: keeps N instances of a template version running. The desired capacity starts
 * at minSize and is only moved when a new min or max leaves it outside them, so that a scale
 * made by hand or by an autoscaler is not undone by every apply.
 */
import type { InstanceGroup } from '../api-types.js';
import { localKind } from './resource-kind.js';

export const instanceGroupKind = localKind({
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
  patch: (d, live: InstanceGroup, changes) => {
    const changed = new Set(changes.map((c) => c.path.split(/[.[]/)[0]!));
    const patch: Record<string, unknown> = Object.fromEntries([...changed].map((k) => [k, d[k]]));
    const min = d.minSize as number;
    const max = d.maxSize as number;
    if (live.desiredCapacity < min || live.desiredCapacity > max) patch.desiredCapacity = Math.min(max, Math.max(min, live.desiredCapacity));
    return patch;
  },
});
