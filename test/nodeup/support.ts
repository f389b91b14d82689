/**
 * A cluster's state store prepared as `update cluster --yes` prepares it (PKI, worker
 * credentials, nodeup.yaml per group), a stand-in asset mirror, and a boot file per group, so
 * that nodeup can be run in-process under a root folder.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { planNodeupConfigs, prepareNodes } from '../../cloudup/nodeup/index.js';
import type { NodeupConfigs } from '../../cloudup/nodeup/index.js';
import { recorder } from '../../src/output/events.js';
import type { HoistEvent } from '../../src/output/events.js';
import { openStore } from '../../state-store/open.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { runNodeup } from '../../nodeup/run.js';
import type { NodeupOptions, NodeupResult } from '../../nodeup/run.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

export const CLUSTER = 'demo.k8s.local';
export const CONTROL_PLANE = 'control-plane-local-a';
export const NODES = 'nodes-local-a';

export interface NodeWorld {
  readonly dir: string;
  readonly store: ObjectStore;
  readonly stateStore: string;
  /** The local cloud folder whose `assets/` holds the stand-in mirror. */
  readonly cloudDir: string;
  readonly completed: CompletedSpec;
  readonly configs: NodeupConfigs;
  bootFile(ig: string): Promise<string>;
  /** Runs nodeup in-process for `ig` under `root`, with a fixed identity. */
  nodeup(ig: string, root: string, extra?: Partial<NodeupOptions>): Promise<NodeupResult & { events: HoistEvent[] }>;
  cleanup(): Promise<void>;
}

export function standardSpec(): CompletedSpec {
  const spec = newClusterSpec({ name: CLUSTER, cloud: 'local', zones: [], topology: 'public', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  return completeSpec(spec.cluster, spec.instanceGroups);
}

export const IDENTITY: Readonly<Record<string, { instanceId: string; address: string }>> = {
  [CONTROL_PLANE]: { instanceId: 'i-control-plane-1', address: '127.110.32.2' },
  [NODES]: { instanceId: 'i-node-1', address: '127.110.32.3' },
};

export async function nodeWorld(options: { store?: (store: ObjectStore) => ObjectStore; spec?: (spec: CompletedSpec) => CompletedSpec } = {}): Promise<NodeWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-nodeup-'));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const stateStore = pathToFileURL(stateDir).href;
  const store = await openStore(stateStore);
  const cloudDir = join(dir, 'local-cloud');
  const completed = options.spec ? options.spec(standardSpec()) : standardSpec();
  const configs = await planNodeupConfigs(completed, { stateStore, env: { HOIST_LOCAL_CLOUD_DIR: cloudDir }, events: () => undefined });
  await prepareNodes(store, completed, configs, () => undefined);
  const bootFile = async (ig: string) => {
    const file = join(dir, `boot-${ig}.yaml`);
    await writeFile(file, `# hoist boot configuration\n${stringify({ stateStore, cluster: CLUSTER, instanceGroup: ig, configHash: configs.get(ig)?.hash })}`);
    return file;
  };
  return {
    dir,
    store,
    stateStore,
    cloudDir,
    completed,
    configs,
    bootFile,
    async nodeup(ig, root, extra = {}) {
      const { sink, events } = recorder();
      const id = IDENTITY[ig] ?? { instanceId: `i-${ig}`, address: '127.110.32.9' };
      const result = await runNodeup({
        bootFile: await bootFile(ig),
        root,
        env: {},
        events: sink,
        instanceId: id.instanceId,
        address: id.address,
        store: options.store ? options.store(store) : store,
        ...extra,
      });
      return { ...result, events };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
