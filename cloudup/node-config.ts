/**
 * The hash of an instance group's node configuration, carried in the machines' boot
 * configuration: a change of it changes the instance template, hence marks machines out of date.
 * The hash is that of the group's nodeup.yaml (cloudup/nodeup/).
 */

import type { CompletedSpec } from '../src/api/index.js';
import { assetLocations } from '../src/assets/index.js';
import { buildNodeupConfigs } from './nodeup/build.js';
import type { NodeupConfigs } from './nodeup/build.js';

/**
 * Each group's hash, from the configurations a plan built. Without them (a preview that reads
 * no asset location), from configurations whose asset checksums are left unpinned.
 */
export function nodeConfigHashes(spec: CompletedSpec, configs?: NodeupConfigs): (ig: string) => string {
  const built = configs ?? buildNodeupConfigs(spec, { stateStore: '', assets: assetLocations(spec, spec.cluster.spec.assets?.fileRepository) });
  return (ig) => built.get(ig)?.hash ?? '';
}
