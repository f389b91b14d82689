/**
 * The API server URL of a cluster on a cloud that names its API by DNS: the cluster's API name
 * (`api.<cluster>`, or `api.internal.<cluster>` from inside its network), or with
 * `topology.dns.type: None` the URL of its load balancer, which only the cloud knows: a session
 * is opened to read it.
 */

import type { CompletedSpec } from '../src/api/index.js';
import { HoistError } from '../src/errors.js';
import { silent } from '../src/output/events.js';
import { API_SERVER_PORT, apiServerUrlFromSpec, usesLoadBalancerName } from '../src/pki/api-endpoint.js';
import { apiPortOf } from './provider.js';
import type { ApiEndpointOptions, Provider } from './provider.js';

export async function dnsApiServerUrl(provider: Pick<Provider, 'open' | 'apiPort'>, spec: CompletedSpec, options: ApiEndpointOptions): Promise<string> {
  if (!usesLoadBalancerName(spec)) return apiServerUrlFromSpec(spec, { ...options, port: apiPortOf(provider, spec) ?? API_SERVER_PORT });
  const cluster = spec.cluster.metadata.name;
  const session = await provider.open(spec, { purpose: 'inspect', env: options.env, events: options.events ?? silent, readOnly: true });
  try {
    const url = await session.apiEndpoint?.url();
    if (url === undefined) {
      throw new HoistError('NOT_FOUND', `the API load balancer of ${cluster} does not exist yet: with spec.topology.dns.type None, clients reach the API by its name`, {
        path: 'spec.topology.dns.type',
        hint: `create the cluster's resources with: hoist update cluster ${cluster} --yes`,
      });
    }
    return url;
  } finally {
    await session.close();
  }
}
