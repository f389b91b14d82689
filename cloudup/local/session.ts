/** A session with the embedded local cloud, started on demand. */

import type { CompletedSpec } from '../../src/api/index.js';
import { idOf } from '../../src/engine/task.js';
import { sessionOf } from '../provider.js';
import type { BootOptions, CloudInstance, CloudSession, OpenOptions } from '../provider.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG, ownershipTags } from '../tags.js';
import { localApiUrl } from './api-endpoint.js';
import { connectLocalCloud, isRetryableLocalError } from './client.js';
import type { LocalCloudClient } from './client.js';
import type { LocalContext } from './context.js';
import { buildLocalTasks } from './model/index.js';
import { apiLoadBalancerName } from './model/names.js';
import { localRollingCloud } from './rolling.js';
import { LOCAL_KINDS } from './tasks/index.js';

export async function openLocalSession(spec: CompletedSpec, options: OpenOptions): Promise<CloudSession<LocalContext>> {
  // A command that changes nothing must not leave a daemon running behind it.
  const client = await connectLocalCloud({ env: options.env, events: options.events, autoStart: options.readOnly !== true });
  const cluster = spec.cluster.metadata.name;
  const networkID = spec.cluster.spec.networkID;
  const ctx: LocalContext = {
    client,
    cluster,
    tags: ownershipTags(cluster),
    shared: new Map(networkID ? [['Network', [networkID]]] : []),
    teardown: options.purpose === 'teardown',
  };
  return sessionOf({
    cloud: 'local',
    purpose: options.purpose,
    kinds: LOCAL_KINDS,
    ctx,
    buildTasks: (boot: BootOptions) => buildLocalTasks(spec, boot),
    apiCalls: () => client.stats.requests,
    isRetryable: isRetryableLocalError,
    listInstances: () => listInstances(client, ctx.tags),
    rolling: async () => localRollingCloud(client, spec),
    // Machines name the API by the load balancer's address: nothing they run resolves api.<cluster>.
    apiEndpoint: { task: idOf({ kind: 'LoadBalancer', name: apiLoadBalancerName(cluster) }), url: () => localApiUrl(client, cluster), always: true },
    // The client holds no connection between requests.
    close: async () => undefined,
  });
}

/** The cluster's instances, each with its template version and its template's latest version. */
async function listInstances(client: LocalCloudClient, tags: Readonly<Record<string, string>>): Promise<CloudInstance[]> {
  const [instances, templates] = await Promise.all([client.list('instances', { tags }), client.list('instanceTemplates', { tags })]);
  const latest = new Map(templates.map((t) => [t.id, t.latestVersion]));
  return instances.map((i) => ({
    id: i.id,
    instanceGroup: i.tags[INSTANCE_GROUP_TAG] ?? '',
    role: i.tags[ROLE_TAG] ?? '',
    state: i.state,
    address: i.address,
    launchedAt: i.launchedAt,
    templateVersion: i.templateVersion,
    latestTemplateVersion: latest.get(i.templateId),
  }));
}
