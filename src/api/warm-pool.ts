/**
 * What `warmPool` means for one InstanceGroup once resolved, and the rules every cloud shares.
 * kops's resolution, in this one place: a Node or APIServer group takes the Cluster's warmPool,
 * and its own warmPool overrides it field by field; ControlPlane and Bastion groups take only
 * their own. maxSize 0 turns the pool off. Resolved where it is used (the cloud's model, nodeup's
 * configuration), not written into the completed spec, so that clusters without a warm pool keep
 * their configuration's hash. Whether a cloud makes warm pools at all is its own
 * (CloudSpecRules.warmPool).
 */

import type { FieldProblem } from '../errors.js';
import type { CloudSpecRules } from './cloud-rules.js';
import { formatPath, instanceGroupPath } from './paths.js';
import type { ClusterSpec, InstanceGroup, InstanceGroupSpec } from './schema.js';

/** The name of the lifecycle hook, kops's: nodeup completes it by this name. */
export const WARM_POOL_HOOK = 'kops-warmpool';
/** Seconds AWS waits for nodeup to complete the hook before it takes the default result (ABANDON), as kops. */
export const WARM_POOL_HOOK_TIMEOUT = 600;

export interface WarmPoolSettings {
  readonly minSize: number;
  /** Undefined: the group's maxSize (AWS's -1). */
  readonly maxSize?: number;
  readonly enableLifecycleHook: boolean;
}

type WarmPoolSpec = NonNullable<ClusterSpec['warmPool']>;

/** The group's warm pool, or undefined when it has none. */
export function warmPoolOf(cluster: Pick<ClusterSpec, 'warmPool'>, ig: { readonly spec: Pick<InstanceGroupSpec, 'role' | 'warmPool'> }): WarmPoolSettings | undefined {
  const own = ig.spec.warmPool;
  const inherits = ig.spec.role === 'Node' || ig.spec.role === 'APIServer';
  const base: WarmPoolSpec | undefined = inherits ? cluster.warmPool : undefined;
  if (own === undefined && base === undefined) return undefined;
  const maxSize = own?.maxSize ?? base?.maxSize;
  if (maxSize === 0) return undefined;
  return {
    // kops merges with Go's zero values: an InstanceGroup's 0 or false takes the Cluster's.
    minSize: own?.minSize || base?.minSize || 0,
    ...(maxSize === undefined ? {} : { maxSize }),
    enableLifecycleHook: own?.enableLifecycleHook === true || base?.enableLifecycleHook === true,
  };
}

const NOT_MADE = 'Auto Scaling warm pools are an AWS feature; the machines of other clouds have no warm pool to wait in (as kops: warm pool only supported on AWS)';

/** The problems of the Cluster's and the groups' warmPool: refused where the cloud makes none, kops's rules elsewhere. */
export function warmPoolProblems(
  cluster: Pick<ClusterSpec, 'warmPool' | 'cloudProvider'>,
  igs: readonly Pick<InstanceGroup, 'metadata' | 'spec'>[],
  rules: Pick<CloudSpecRules, 'warmPool'>,
): FieldProblem[] {
  if (rules.warmPool !== true) {
    const refuse = (path: string, value: unknown): FieldProblem => ({ path, value, message: `is not supported on ${cluster.cloudProvider}: ${NOT_MADE}`, fix: 'remove warmPool' });
    return [
      ...(cluster.warmPool === undefined ? [] : [refuse(formatPath(['spec', 'warmPool']), cluster.warmPool)]),
      ...igs.flatMap((ig) => (ig.spec.warmPool === undefined ? [] : [refuse(instanceGroupPath(ig.metadata.name, ['spec', 'warmPool']), ig.spec.warmPool)])),
    ];
  }
  const problems: FieldProblem[] = [];
  if (cluster.warmPool !== undefined) problems.push(...sizeProblems(cluster.warmPool, undefined, (...p) => formatPath(['spec', 'warmPool', ...p])));
  for (const ig of igs) {
    const at = (...p: string[]) => instanceGroupPath(ig.metadata.name, ['spec', 'warmPool', ...p]);
    const own = ig.spec.warmPool;
    const pool = warmPoolOf(cluster, ig);
    if (own !== undefined) problems.push(...sizeProblems(own, cluster.warmPool, at));
    if (pool === undefined) continue;
    const inherited = own === undefined ? 'the Cluster\'s spec.warmPool applies to this group: ' : '';
    const optOut = own === undefined ? 'set this group\'s spec.warmPool.maxSize to 0 to leave it out of the Cluster\'s warm pool' : 'remove spec.warmPool';
    if (ig.spec.role !== 'Node' && ig.spec.role !== 'APIServer') {
      problems.push({ path: at(), value: own, message: `is only for groups of role Node or APIServer (as kops); this one is ${ig.spec.role}`, fix: 'remove spec.warmPool from this group' });
    }
    if (ig.spec.mixedInstancesPolicy !== undefined) {
      problems.push({ path: at(), value: own ?? cluster.warmPool, message: `${inherited}a warm pool cannot be combined with a mixed instances policy (spec.mixedInstancesPolicy): AWS refuses it, and kops too`, fix: `${optOut}, or remove spec.mixedInstancesPolicy` });
    }
    if (ig.spec.maxPrice !== undefined) {
      problems.push({ path: at(), value: own ?? cluster.warmPool, message: `${inherited}a warm pool cannot hold spot instances (spec.maxPrice): AWS refuses it, and kops too`, fix: `${optOut}, or remove spec.maxPrice` });
    }
  }
  return problems;
}

/** maxSize below minSize, once the group's fields are merged over the Cluster's (`base`). */
function sizeProblems(own: WarmPoolSpec, base: WarmPoolSpec | undefined, at: (...p: string[]) => string): FieldProblem[] {
  // A group that sets neither size has the Cluster's, whose problem is reported there.
  if (base !== undefined && own.maxSize === undefined && !own.minSize) return [];
  const maxSize = own.maxSize ?? base?.maxSize;
  const minSize = own.minSize || base?.minSize || 0;
  if (maxSize === undefined || maxSize === 0 || maxSize >= minSize) return [];
  const path = own.maxSize === undefined ? at('minSize') : at('maxSize');
  const value = own.maxSize === undefined ? minSize : maxSize;
  return [{ path, value, message: `warm pool maxSize (${maxSize}) cannot be lower than minSize (${minSize})`, fix: `set maxSize to at least ${minSize}, or lower minSize` }];
}
