/**
 * The hash of an instance group's node configuration, carried in the machines' boot
 * configuration: a change of it changes the instance template, hence marks machines out of date.
 * The hash is that of the group's nodeup.yaml (cloudup/nodeup/).
 */

import type { CompletedSpec } from '../src/api/index.js';
import type { NodeupConfigs } from './nodeup/build.js';

/**
 * Each group's hash, from the configurations the plan of `_spec` built (cloudup/nodeup/plan.ts,
 * with the assets' checksums pinned). There is no other way to a hash: a plan that built none
 * (a teardown) builds no machine either.
 */
export function nodeConfigHashes(_spec: CompletedSpec, configs: NodeupConfigs): (ig: string) => string {
  return (ig) => configs.get(ig)?.hash ?? '';
}
