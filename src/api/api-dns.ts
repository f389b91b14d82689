/**
 * The API's names (`api.<cluster>`, `api.internal.<cluster>`) on a cloud where they are DNS
 * records hoist makes in the cluster's DNS zone (AWS, GCE). As kops does, a spec may leave
 * `dnsZone` out: the cloud's provider then finds the zone when it plans (the zone whose name is
 * the longest suffix of the cluster's name, of the kind `topology.dns.type` asks for) and the
 * plan uses it; the spec in the state store stays as written, so a zone made later (a longer
 * one) is picked up by the next plan. A cluster that wants no DNS uses `topology.dns.type: None`
 * (machines and kubeconfigs then use the API load balancer's own name); kops's gossip clusters
 * (`*.k8s.local`) are imported so.
 */

import { HoistError } from '../errors.js';
import type { KopsImport } from './cloud-rules.js';
import type { CompletedSpec } from './defaults.js';
import { withDropped } from './kops.js';
import type { Cluster } from './schema.js';

/** kops's suffix of a gossip cluster's name: one with no DNS zone. */
export const GOSSIP_SUFFIX = '.k8s.local';

/** The kind of zone a cluster's records go in: `topology.dns.type` without None. */
export type ZoneVisibility = 'Public' | 'Private';

/** The kind of zone to find in the cloud, when the spec wants DNS records and names no zone. */
export function zoneToFind(spec: Pick<CompletedSpec, 'cluster'>): ZoneVisibility | undefined {
  const c = spec.cluster.spec;
  const type = c.topology.dns.type;
  return type === 'None' || (c.dnsZone !== undefined && c.dnsZone !== '') ? undefined : type;
}

/**
 * What `create`, `replace`, `apply -f` and `create cluster` say when they store such a spec on a
 * cloud whose API names are records in a zone (its rules' `newCluster.apiNamesNeedZone`).
 */
export function dnsZoneNotice(cluster: Cluster): string | undefined {
  const type = cluster.spec.topology?.dns?.type ?? 'Public';
  if (type === 'None' || (cluster.spec.dnsZone !== undefined && cluster.spec.dnsZone !== '')) return undefined;
  const name = cluster.metadata.name;
  return `${name} names no spec.dnsZone: update cluster finds its ${type.toLowerCase()} DNS zone in the cloud (the longest zone name that ends ${name}) and makes the API's records there; set spec.dnsZone to choose the zone yourself`;
}

/** `a.sub.example.com.` → `a.sub.example.com` */
export const zoneName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** Whether a zone of this name holds the cluster's names: it is the cluster's name or ends it. */
export function zoneHolds(zone: string, cluster: string): boolean {
  return `.${zoneName(cluster)}`.endsWith(`.${zoneName(zone)}`);
}

export interface ZoneSearch<Z> {
  readonly cluster: string;
  /** The zones of the right kind (visibility, network) in the cloud, named by `name`. */
  readonly zones: readonly Z[];
  readonly name: (zone: Z) => string;
  /** How the cloud calls a zone and where it looked, e.g. "public Route 53 hosted zone". */
  readonly looked: string;
  /** What makes such a zone, e.g. `aws route53 create-hosted-zone --name <zone> …`. */
  readonly create: (zone: string) => string;
  /** How the cloud tells two zones apart, e.g. "its id Z…": the value spec.dnsZone takes. */
  readonly id: (zone: Z) => string;
}

/**
 * The zone with the longest name that holds the cluster's names, as kops picks it. None, or two
 * as long (two zones of one name), is a clear error with the fixes; nothing is changed.
 */
export function longestZone<Z>(search: ZoneSearch<Z>): Z {
  const { cluster } = search;
  const holding = search.zones.filter((z) => zoneHolds(search.name(z), cluster));
  const longest = Math.max(-1, ...holding.map((z) => zoneName(search.name(z)).length));
  const best = holding.filter((z) => zoneName(search.name(z)).length === longest);
  const none = `or set spec.topology.dns.type to None (machines and kubeconfigs then use the API load balancer's own name)`;
  if (best.length === 1) return best[0]!;
  if (best.length === 0) {
    const parent = zoneName(cluster).split('.').slice(1).join('.') || zoneName(cluster);
    throw new HoistError('NOT_FOUND', `no ${search.looked} holds the names of ${cluster} (spec.dnsZone is not set, so hoist looked for a zone named ${cluster} or a suffix of it)`, {
      path: 'spec.dnsZone',
      hint: `create the zone (e.g. ${search.create(parent)}), or set spec.dnsZone to a zone that holds ${cluster}, ${none}`,
    });
  }
  const ids = best.map((z) => search.id(z)).join(', ');
  throw new HoistError('INVALID_SPEC', `${best.length} ${search.looked}s named ${zoneName(search.name(best[0]!))} hold the names of ${cluster} (${ids}), and spec.dnsZone does not say which`, {
    path: 'spec.dnsZone',
    hint: `set spec.dnsZone to the one to use (${ids}), ${none}`,
  });
}

/**
 * The kops import of a gossip cluster (`*.k8s.local`, no dnsZone): hoist has no gossip, so the
 * cluster uses no DNS (`topology.dns.type: None`), reported. Any other cluster without a zone
 * keeps its type, and its zone is found in the cloud when it is planned.
 */
export function gossipAsNoDns(doc: KopsImport<Cluster>): KopsImport<Cluster> {
  const spec = doc.object.spec;
  const type = spec.topology?.dns?.type;
  if (!doc.object.metadata.name.endsWith(GOSSIP_SUFFIX) || (spec.dnsZone !== undefined && spec.dnsZone !== '') || type === 'None') return doc;
  const reason = `kops names the API of a ${GOSSIP_SUFFIX} cluster by gossip, which hoist does not do: the cluster uses topology.dns.type None (machines and kubeconfigs use the API load balancer's own name)`;
  const topology = { ...spec.topology, dns: { type: 'None' as const } };
  return withDropped(doc, { ...doc.object, spec: { ...spec, topology } }, [{ path: 'spec.topology.dns.type', value: type ?? 'Public', reason }]);
}
