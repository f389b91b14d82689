/**
 * What `update cluster --yes` does for the nodes before it changes the cloud: the cluster PKI
 * exists, worker groups have their credentials, and every group's nodeup.yaml is written. So a
 * machine launched by the apply finds all it needs.
 */

import { ensureClusterPKI } from '../../src/pki/ensure.js';
import type { CompletedSpec } from '../../src/api/index.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { NodeupConfigs } from './build.js';
import { writeNodeCredentials } from './credentials.js';
import { writeNodeupConfigs } from './write.js';

export async function prepareNodes(store: ObjectStore, completed: CompletedSpec, configs: NodeupConfigs, events: EventSink): Promise<void> {
  const cluster = completed.cluster.metadata.name;
  await ensureClusterPKI(store, cluster, { events });
  const credentials = await writeNodeCredentials(store, completed);
  const { written, removed } = await writeNodeupConfigs(store, cluster, configs);
  for (const key of [...credentials, ...written]) events({ level: 'debug', code: 'nodeup.config.written', message: `wrote ${key}`, data: { key } });
  for (const key of removed) events({ level: 'debug', code: 'nodeup.config.removed', message: `removed ${key} (its group is gone)`, data: { key } });
}
