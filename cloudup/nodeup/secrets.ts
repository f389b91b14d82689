/**
 * The files of the cluster's secret store that each group's machines get, copied by `update
 * cluster --yes` to `igconfig/<ig>/secrets/<name>`: what a group's nodeup.yaml pins, and all a
 * worker machine may read (its cloud identity reads only its group's `igconfig/`). A copy the
 * group's config no longer names is removed.
 */

import { HoistError } from '../../src/errors.js';
import type { CompletedSpec } from '../../src/api/index.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { readSecrets, secretHash } from '../../state-store/secrets.js';
import { igconfigPrefix, nodeSecretKey } from '../../nodeup/config/keys.js';
import type { NodeupConfigs } from './build.js';

export async function writeNodeSecrets(store: ObjectStore, completed: CompletedSpec, configs: NodeupConfigs): Promise<{ written: string[]; removed: string[] }> {
  const cluster = completed.cluster.metadata.name;
  const stored = new Map((await readSecrets(store, cluster)).map((s) => [s.name, s]));
  const written: string[] = [];
  const removed: string[] = [];
  for (const [ig, file] of configs) {
    const wanted = file.config.secrets ?? [];
    for (const { name, sha256 } of wanted) {
      const secret = stored.get(name);
      if (secret?.sha256 !== sha256) {
        throw new HoistError('CONFLICT', `secret ${name} of ${cluster} changed (or was deleted) since the plan was made; nothing was applied`, { hint: `plan again: hoist update cluster ${cluster} --yes` });
      }
      const key = nodeSecretKey(cluster, ig, name);
      const current = await store.get(key);
      if (current !== undefined && secretHash(Buffer.from(current.body).toString('utf8')) === sha256) continue;
      await store.put(key, secret.content);
      written.push(key);
    }
    const prefix = `${igconfigPrefix(cluster, ig)}secrets/`;
    for (const key of await store.list(prefix)) {
      if (wanted.some((w) => key === nodeSecretKey(cluster, ig, w.name))) continue;
      await store.delete(key);
      removed.push(key);
    }
  }
  return { written, removed };
}
