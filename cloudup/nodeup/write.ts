/** Writes the node configurations to the state store: only what differs, and nothing of removed groups. */

import { igconfigPrefix, nodeupConfigKey } from '../../nodeup/config/keys.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { NodeupConfigs } from './build.js';

export interface WriteResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

export async function writeNodeupConfigs(store: ObjectStore, cluster: string, configs: NodeupConfigs): Promise<WriteResult> {
  const written: string[] = [];
  await Promise.all(
    [...configs].map(async ([ig, file]) => {
      const key = nodeupConfigKey(cluster, ig);
      const current = await store.get(key);
      if (current !== undefined && Buffer.from(current.body).toString('utf8') === file.yaml) return;
      await store.put(key, file.yaml);
      written.push(key);
    }),
  );
  const stale = (await store.list(`${cluster}/igconfig/`)).filter((key) => ![...configs.keys()].some((ig) => key.startsWith(igconfigPrefix(cluster, ig))));
  await Promise.all(stale.map((key) => store.delete(key)));
  return { written: written.sort(), removed: stale };
}
