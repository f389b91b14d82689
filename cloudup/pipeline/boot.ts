/**
 * The per-cluster inputs of the machines' boot script (`BootOptions`): where the state store
 * is, each group's configuration hash, the nodeup bundle of this hoist build (pinned by its
 * sha256, at the state-store URL `update cluster --yes` publishes it to) and the Node.js runtime.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { egressProxySettings } from '../../src/api/index.js';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import { nodeConfigHashes } from '../node-config.js';
import type { NodeupBundle } from '../nodeup/bundle.js';
import { nodeupBundle, nodeupBundleUrl } from '../nodeup/bundle.js';
import type { NodeupConfigs } from '../nodeup/build.js';
import type { BootOptions, Env } from '../provider.js';
import { providerFor } from '../providers.js';

export interface ClusterBoot {
  readonly options: BootOptions;
  /** The bundle the options pin, which an apply publishes. */
  readonly bundle: NodeupBundle;
}

export async function clusterBoot(completed: CompletedSpec, nodeConfigs: NodeupConfigs, opts: { readonly stateStore: string; readonly env: Env }): Promise<ClusterBoot> {
  const cluster = completed.cluster.metadata.name;
  const [bundle, provider] = await Promise.all([nodeupBundle(opts.env), providerFor(completed)]);
  const repository = completed.cluster.spec.assets?.fileRepository;
  const node = provider.nodeRuntime ? await provider.nodeRuntime(completed, opts.env) : nodeRuntimeAsset(repository === '' ? undefined : repository);
  const proxy = egressProxySettings(completed.cluster.spec);
  return {
    bundle,
    options: {
      stateStore: opts.stateStore,
      configHash: nodeConfigHashes(completed, nodeConfigs),
      nodeup: { url: nodeupBundleUrl(opts.stateStore, cluster, bundle.sha256), sha256: bundle.sha256 },
      node,
      ...(proxy === undefined ? {} : { proxy }),
    },
  };
}
