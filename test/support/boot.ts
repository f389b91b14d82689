/**
 * Boot options for tests that build a cluster's tasks directly. The nodeup bundle is a fixed
 * stand-in (its hash would otherwise change with every build of hoist, and every golden file
 * with it); the Node.js runtime is the pinned one, as a plan without a file repository has it.
 */

import { createHash } from 'node:crypto';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import { nodeupBundleUrl } from '../../cloudup/nodeup/bundle.js';
import type { BootOptions } from '../../cloudup/provider.js';

export const TEST_NODEUP_SHA256 = createHash('sha256').update('the nodeup bundle of the tests').digest('hex');

/** `base` with the nodeup bundle of `cluster` (published in `base.stateStore`) and the pinned runtime. */
export function testBoot(base: Pick<BootOptions, 'stateStore' | 'configHash'>, cluster = 'test.example.com'): BootOptions {
  return { ...base, nodeup: { url: nodeupBundleUrl(base.stateStore, cluster, TEST_NODEUP_SHA256), sha256: TEST_NODEUP_SHA256 }, node: nodeRuntimeAsset() };
}
