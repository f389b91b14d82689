/**
 * The rule of a cloud whose API names (`api.<cluster>`, `api.internal.<cluster>`) are DNS records
 * hoist makes in the cluster's `dnsZone` (AWS, GCE): without a zone those names would resolve to
 * nothing, so such a cluster either has a zone or uses no DNS (`topology.dns.type: None`, where
 * machines and kubeconfigs use the API load balancer's own name). kops does the same: a cluster
 * without a zone is a gossip one (`*.k8s.local`), any other needs its zone.
 */

import type { FieldProblem } from '../errors.js';
import type { KopsImport } from './cloud-rules.js';
import type { CompletedSpec } from './defaults.js';
import { withDropped } from './kops.js';
import type { Cluster } from './schema.js';

/** kops's suffix of a gossip cluster's name: one with no DNS zone. */
export const GOSSIP_SUFFIX = '.k8s.local';

/** `zone`: how the cloud calls the zone, e.g. "a Route 53 hosted zone". */
export function dnsZoneProblems(spec: Pick<CompletedSpec, 'cluster'>, zone: string): FieldProblem[] {
  const c = spec.cluster.spec;
  const type = c.topology.dns.type;
  if (type === 'None' || (c.dnsZone !== undefined && c.dnsZone !== '')) return [];
  const cluster = spec.cluster.metadata.name;
  return [
    {
      path: 'spec.topology.dns.type',
      value: type,
      message: `needs spec.dnsZone, which is not set: the API's names (${c.api.publicName}, api.internal.${cluster}) are records hoist makes in that zone, and without it they resolve to nothing`,
      fix: `set spec.dnsZone to ${zone} that holds ${cluster} (create cluster --dns-zone), or set spec.topology.dns.type to None: machines and kubeconfigs then use the API load balancer's own name`,
    },
  ];
}

/**
 * The kops import of a gossip cluster (`*.k8s.local`, no dnsZone): hoist has no gossip, so the
 * cluster uses no DNS (`topology.dns.type: None`), reported. Any other cluster without a zone
 * is left as it is, for `dnsZoneProblems` to refuse with the fix.
 */
export function gossipAsNoDns(doc: KopsImport<Cluster>): KopsImport<Cluster> {
  const spec = doc.object.spec;
  const type = spec.topology?.dns?.type;
  if (!doc.object.metadata.name.endsWith(GOSSIP_SUFFIX) || (spec.dnsZone !== undefined && spec.dnsZone !== '') || type === 'None') return doc;
  const reason = `kops names the API of a ${GOSSIP_SUFFIX} cluster by gossip, which hoist does not do: the cluster uses topology.dns.type None (machines and kubeconfigs use the API load balancer's own name)`;
  const topology = { ...spec.topology, dns: { type: 'None' as const } };
  return withDropped(doc, { ...doc.object, spec: { ...spec, topology } }, [{ path: 'spec.topology.dns.type', value: type ?? 'Public', reason }]);
}
