/**
 * How clients reach a cluster's API: by the names its DNS records give the load balancer
 * (`api.<cluster>` and `api.internal.<cluster>`, when the cluster has a DNS zone), or, with
 * `topology.dns.type: None`, by the load balancer's own name, which its cloud assigns when it
 * makes it. A cloud that assigns the API's address itself (the local cloud) answers through
 * its provider (cloudup/providers.ts, `apiServerUrl`).
 */

import type { CompletedSpec } from '../api/index.js';
import { internalApiName } from './requests.js';

/** The port kube-apiserver serves on the control-plane machines (its default `--secure-port`). */
export const API_SERVER_PORT = 6443;

/** `https://<host>` on `port`, which the URL leaves out when it is https's own (443). */
export function apiUrl(host: string, port: number): string {
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === 443 ? `https://${name}` : `https://${name}:${port}`;
}

/**
 * The URL of the API's DNS name. `internal`: the name only the cluster's own network resolves
 * (`api.internal.<cluster>`). `port`: the one clients reach the API on at that name, which is
 * the cloud's (its provider's `apiPort`: where its load balancer listens); default 443.
 */
export function apiServerUrlFromSpec(spec: CompletedSpec, opts: { readonly internal?: boolean; readonly port?: number } = {}): string {
  const c = spec.cluster;
  return apiUrl(opts.internal ? internalApiName(c.metadata.name) : c.spec.api.publicName, opts.port ?? 443);
}

/** Whether machines and kubeconfigs name the API by its load balancer's own name (`topology.dns.type: None`). */
export function usesLoadBalancerName(spec: Pick<CompletedSpec, 'cluster'>): boolean {
  return spec.cluster.spec.topology.dns.type === 'None';
}

/**
 * The names the cluster's DNS records give its API load balancer, in the zone of dnsZone: the
 * public name and the internal one. None without a zone, or with `topology.dns.type: None`.
 * (A cloud makes them only where it makes a load balancer for the API.)
 */
export function apiRecordNames(spec: Pick<CompletedSpec, 'cluster'>): readonly string[] {
  const c = spec.cluster.spec;
  if (!c.dnsZone || usesLoadBalancerName(spec)) return [];
  return [c.api.publicName, internalApiName(spec.cluster.metadata.name)];
}
