/**
 * Node status: each machine reports its phase, the config hash it applies and its last error to
 * `<cluster>/status/instances/<instance-group>/<instance-id>.json`, the one object it writes
 * (its boot script writes a failure there too, in the same shape, while nodeup cannot yet). `get instances`
 * (and later `validate cluster`) read these to say why a machine has not joined.
 */

import type { ObjectStore } from '../state-store/object-store.js';
import { instanceStatusKey, instanceStatusPrefix } from './config/keys.js';

export const NODE_PHASES = ['Configuring', 'Ready', 'Failed', 'Warmed'] as const;
export type NodePhase = (typeof NODE_PHASES)[number];

export interface InstanceStatus {
  readonly instanceId: string;
  readonly cluster: string;
  readonly instanceGroup: string;
  readonly phase: NodePhase;
  /** The hash of the nodeup.yaml this machine was launched for (and, once Ready, applied). */
  readonly configHash: string;
  readonly updatedAt: string;
  /** Changes the last apply made. */
  readonly changes?: number;
  /**
   * The last error. The boot script files one of its own here before nodeup runs (task
   * `Boot/<step>`, e.g. `Boot/download-nodeup`, with the try it was), which nodeup's first
   * report then replaces.
   */
  readonly error?: { readonly task?: string; readonly message: string; readonly attempt?: number };
}

export async function writeInstanceStatus(store: ObjectStore, status: InstanceStatus): Promise<void> {
  await store.put(instanceStatusKey(status.cluster, status.instanceGroup, status.instanceId), `${JSON.stringify(status, null, 2)}\n`);
}

/** Every status of the cluster by instance id; unreadable ones are skipped. */
export async function readInstanceStatuses(store: ObjectStore, cluster: string): Promise<Map<string, InstanceStatus>> {
  const keys = await store.list(instanceStatusPrefix(cluster));
  const entries = await Promise.all(
    keys.map(async (key) => {
      const found = await store.get(key);
      if (found === undefined) return undefined;
      try {
        const status = JSON.parse(Buffer.from(found.body).toString('utf8')) as InstanceStatus;
        return typeof status.instanceId === 'string' ? ([status.instanceId, status] as const) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(entries.filter((e) => e !== undefined));
}
