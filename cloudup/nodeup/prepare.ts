/**
 * What `update cluster --yes` does for the nodes before it changes the cloud: the cluster PKI
 * exists, worker groups have their credentials, every group's nodeup.yaml is written, and the
 * nodeup bundle the plan pinned is published. So a machine launched by the apply finds all it needs.
 */

import { ensureClusterPKI } from '../../src/pki/ensure.js';
import type { CompletedSpec } from '../../src/api/index.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { NodeupConfigs } from './build.js';
import { publishNodeupBundle } from './bundle.js';
import type { NodeupBundle } from './bundle.js';
import { writeNodeCredentials } from './credentials.js';
import { writeNodeSecrets } from './secrets.js';
import { writeNodeupConfigs } from './write.js';

/** `bundle`: the nodeup bundle the plan pinned (tests of nodeup alone pass none). */
export async function prepareNodes(store: ObjectStore, completed: CompletedSpec, configs: NodeupConfigs, events: EventSink, bundle?: NodeupBundle): Promise<void> {
  const cluster = completed.cluster.metadata.name;
  if (bundle !== undefined) {
    const published = await publishNodeupBundle(store, cluster, bundle);
    events(published === undefined
      ? { level: 'debug', code: 'nodeup.bundle.present', message: `the nodeup bundle sha256:${bundle.sha256} is already in the state store`, data: { sha256: bundle.sha256 } }
      : { level: 'debug', code: 'nodeup.bundle.published', message: `published the nodeup bundle to ${published}`, data: { key: published, sha256: bundle.sha256 } });
  }
  await ensureClusterPKI(store, cluster, { events });
  const credentials = await writeNodeCredentials(store, completed);
  // The secrets before nodeup.yaml, which pins them: a machine that reads the new config finds them.
  const secrets = await writeNodeSecrets(store, completed, configs);
  const { written, removed } = await writeNodeupConfigs(store, cluster, configs);
  for (const key of [...credentials, ...secrets.written, ...written]) events({ level: 'debug', code: 'nodeup.config.written', message: `wrote ${key}`, data: { key } });
  for (const key of removed) events({ level: 'debug', code: 'nodeup.config.removed', message: `removed ${key} (its group is gone)`, data: { key } });
  for (const key of secrets.removed) events({ level: 'debug', code: 'nodeup.config.removed', message: `removed ${key} (the group no longer gets that secret)`, data: { key } });
}
