/**
 * The local API load balancer's URL: its address and the listener that forwards to the API
 * servers. Machines and kubeconfigs name it so, since nothing on the machine resolves the
 * local cloud's DNS records (they live only in its own table).
 */

import { apiUrl } from '../../src/pki/api-endpoint.js';
import { CLUSTER_TAG } from '../tags.js';
import type { LocalCloudClient } from './client.js';
import { API_PORT, apiLoadBalancerName } from './model/names.js';

/** `https://<address>:<port>`; undefined while the load balancer does not exist. */
export async function localApiUrl(client: LocalCloudClient, cluster: string): Promise<string | undefined> {
  const [lb] = await client.list('loadBalancers', { tags: { [CLUSTER_TAG]: cluster }, name: apiLoadBalancerName(cluster) });
  if (lb === undefined) return undefined;
  const port = lb.listeners.find((l) => l.targetPort === API_PORT)?.port ?? API_PORT;
  return apiUrl(lb.address, port);
}
