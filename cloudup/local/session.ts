/** A session with the embedded local cloud, started on demand. */

import type { CompletedSpec } from '../../src/api/index.js';
import type { BootOptions, CloudSession, OpenCloudOptions } from '../cloud.js';
import { ownershipTags } from '../tags.js';
import { LocalCloudError, connectLocalCloud } from './client.js';
import type { LocalContext } from './context.js';
import { buildLocalTasks } from './model/index.js';
import { LOCAL_KINDS } from './tasks/index.js';

export async function openLocalSession(spec: CompletedSpec, options: OpenCloudOptions): Promise<CloudSession<LocalContext>> {
  const client = await connectLocalCloud({ env: options.env, events: options.events });
  const cluster = spec.cluster.metadata.name;
  const networkID = spec.cluster.spec.networkID;
  const ctx: LocalContext = {
    client,
    cluster,
    tags: ownershipTags(cluster),
    shared: new Map(networkID ? [['Network', [networkID]]] : []),
  };
  return {
    cloud: 'local',
    kinds: LOCAL_KINDS,
    ctx,
    buildTasks: (completed: CompletedSpec, boot: BootOptions) => buildLocalTasks(completed, boot),
    apiCalls: () => client.stats.requests,
    isRetryable: (e) => !(e instanceof LocalCloudError) || e.apiCode === 'Conflict',
    close: () => undefined,
  };
}
