/**
 * The API server URL a kubeconfig points at. On the local cloud it is the API load balancer's
 * address, which the cloud assigns; elsewhere it is the API's DNS name.
 */

import type { CompletedSpec } from '../api/index.js';
import { HoistError } from '../errors.js';
import type { EventSink } from '../output/events.js';
import { internalApiName } from './requests.js';

export interface ApiServerOptions {
  /** The name only the cluster's own network resolves (`api.internal.<cluster>`). */
  readonly internal?: boolean;
  /** For the local cloud's client: where its state folder is. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events?: EventSink;
}

export const API_SERVER_PORT = 6443;

/** The URL from the spec alone; undefined for the local cloud, whose address must be asked. */
export function apiServerUrlFromSpec(spec: CompletedSpec, opts: { readonly internal?: boolean } = {}): string | undefined {
  const c = spec.cluster;
  if (c.spec.cloudProvider === 'local') return undefined;
  return `https://${opts.internal ? internalApiName(c.metadata.name) : c.spec.api.publicName}`;
}

export async function resolveApiServerUrl(spec: CompletedSpec, opts: ApiServerOptions): Promise<string> {
  const fromSpec = apiServerUrlFromSpec(spec, opts);
  if (fromSpec !== undefined) return fromSpec;
  // Loaded only here: other clouds' commands must not pay for the local cloud's client.
  const { connectLocalCloud } = await import('../../cloudup/local/client.js');
  const { CLUSTER_TAG } = await import('../../cloudup/tags.js');
  const { apiLoadBalancerName } = await import('../../cloudup/local/model/names.js');
  const cluster = spec.cluster.metadata.name;
  const client = await connectLocalCloud({ env: opts.env, autoStart: false, ...(opts.events ? { events: opts.events } : {}) });
  const name = apiLoadBalancerName(cluster);
  const [lb] = await client.list('loadBalancers', { tags: { [CLUSTER_TAG]: cluster }, name });
  if (lb === undefined) {
    throw new HoistError('NOT_FOUND', `the API load balancer ${name} of ${cluster} does not exist in the local cloud`, { hint: `create the cluster's resources with: hoist update cluster ${cluster} --yes` });
  }
  const port = lb.listeners.find((l) => l.targetPort === API_SERVER_PORT)?.port ?? API_SERVER_PORT;
  const host = lb.address.includes(':') ? `[${lb.address}]` : lb.address;
  return `https://${host}:${port}`;
}
