/** A state folder and a local cloud of its own for one test file, torn down by PID afterwards. */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Instance, ResourceOf, ResourceType } from '../../cloudup/local/api-types.js';
import { RESOURCE_TYPES } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import { cloudDir, destroyCloud, removeBundleCopy } from '../local-cloud/support.js';

export interface LocalWorld {
  readonly env: Record<string, string>;
  readonly cloudDir: string;
  readonly stateDir: string;
  /** Every resource of every type in the cloud, for the test to inspect. */
  everything(): Promise<{ type: ResourceType; resource: ResourceOf[ResourceType] }[]>;
  /** Stops the cloud by PID and removes the folders; returns processes that were still left. */
  destroy(): Promise<{ pid: number; args: string }[]>;
}

export async function localWorld(): Promise<LocalWorld> {
  const cloud = await cloudDir();
  // Started up front, as a user runs `hoist local-cloud start`: a preview (update cluster
  // without --yes) does not start it.
  await connectLocalCloud({ env: { ...process.env, ...cloud.env } });
  const stateDir = await mkdtemp(join(tmpdir(), 'hoist-state-'));
  // KUBECONFIG in the state folder: a test never reads or writes the user's ~/.kube/config.
  const env = { ...cloud.env, HOIST_STATE_STORE: `file://${stateDir}`, HOIST_CLUSTER_NAME: '', KUBECONFIG: join(stateDir, 'kubeconfig') };
  return {
    env,
    cloudDir: cloud.dir,
    stateDir,
    async everything() {
      const client = await connectLocalCloud({ env: { ...process.env, ...env }, autoStart: false });
      const lists = await Promise.all(RESOURCE_TYPES.map(async (type) => (await client.list(type)).map((resource) => ({ type, resource }))));
      return lists.flat();
    },
    async destroy() {
      const left = await destroyCloud(cloud.dir);
      await rm(stateDir, { recursive: true, force: true });
      await removeBundleCopy();
      return left;
    },
  };
}

/**
 * The end of the agent log (boot script, nodeup, services) of every machine of the cloud that
 * is neither running nor terminated: what a test that timed out waiting for them shows, to tell
 * a machine still making progress from one that is stuck.
 */
export async function machinesNotReady(world: LocalWorld, lines = 12): Promise<string> {
  const machines = (await world.everything()).filter((r) => r.type === 'instances').map((r) => r.resource as Instance);
  const tails = await Promise.all(
    machines.filter((i) => i.state !== 'running' && i.state !== 'terminated').map(async (i) => {
      const log = await readFile(join(world.cloudDir, 'instances', i.id, 'agent.log'), 'utf8').catch(() => '(no agent log)');
      return `--- ${i.id} (${i.state}), the end of its agent.log:\n${log.trimEnd().split('\n').slice(-lines).join('\n')}`;
    }),
  );
  return tails.join('\n');
}
