/**
 * A local cloud machine keeps the configuration it was launched for, as a VM keeps its disk.
 * The first nodeup.yaml that has the hash of the machine's boot configuration is kept in the
 * machine's root folder; when the machine starts again (the local cloud's daemon restarted),
 * nodeup reads that copy, whatever the state store holds by then. Without it, an `update
 * cluster --yes` followed by a daemon restart made every machine refuse the new configuration
 * for good; the machine is out of date instead, and a rolling update replaces it.
 */

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore, StoredObject } from '../state-store/object-store.js';
import type { BootConfig } from './config/boot.js';
import { hashText } from './config/hash.js';
import { nodeupConfigKey } from './config/keys.js';

/** Where, in the machine's root folder, the configuration it was launched for is kept. */
export const LAUNCH_CONFIG_FILE = 'launch-config.yaml';

/** `store`, except that the machine's nodeup.yaml is the one it was launched for, once seen. */
export function launchConfigStore(store: ObjectStore, boot: BootConfig, root: string): ObjectStore {
  const key = nodeupConfigKey(boot.cluster, boot.instanceGroup);
  const file = join(root, LAUNCH_CONFIG_FILE);
  const kept = async (): Promise<StoredObject | undefined> => {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    return text !== undefined && hashText(text) === boot.configHash ? { body: Buffer.from(text, 'utf8'), etag: `"${boot.configHash}"` } : undefined;
  };
  return {
    url: store.url,
    async get(k) {
      if (k !== key) return store.get(k);
      const mine = await kept();
      if (mine !== undefined) return mine;
      const found = await store.get(k);
      if (found !== undefined && hashText(Buffer.from(found.body).toString('utf8')) === boot.configHash) {
        // Written aside and renamed, so a machine killed meanwhile never keeps half a file.
        await writeFile(`${file}.tmp`, found.body, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      }
      return found;
    },
    put: (k, body, condition) => store.put(k, body, condition),
    delete: (k, condition) => store.delete(k, condition),
    list: (prefix) => store.list(prefix),
    ...(store.listWithEtags ? { listWithEtags: (prefix: string) => store.listWithEtags!(prefix) } : {}),
    ...(store.close ? { close: () => store.close!() } : {}),
  };
}
