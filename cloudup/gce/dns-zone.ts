/**
 * The Cloud DNS managed zone of a cluster whose spec names no `dnsZone`, found as kops finds a
 * zone: the zones whose DNS name is the cluster's name or a suffix of it (one
 * `managedZones.list?dnsName=` per suffix, so the calls grow with the name's labels, not with
 * the project's zones), of the visibility `topology.dns.type` asks for (public, or private), the
 * longest winning. The plan then uses the zone by its resource name, which tells apart a public
 * and a private zone of one DNS name; the spec in the state store is not changed. Which networks
 * a private zone is visible to is not checked.
 */

import { longestZone, zoneName, zoneToFind } from '../../src/api/api-dns.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { CloudDns, ManagedZone } from './cloud-dns.js';

export interface ManagedZoneLookup {
  readonly events: EventSink;
  /** A teardown goes on without a zone (with a warning): then there are no records of the cluster to delete. */
  readonly missingIsEmpty?: boolean;
}

/** The spec with `dnsZone` set to the resource name of the zone found; the spec itself when it names one or wants no DNS. */
export async function withFoundManagedZone(dns: Pick<CloudDns, 'zonesNamed'>, spec: CompletedSpec, lookup: ManagedZoneLookup): Promise<CompletedSpec> {
  const visibility = zoneToFind(spec);
  if (visibility === undefined) return spec;
  const cluster = spec.cluster.metadata.name;
  const labels = zoneName(cluster).split('.');
  const suffixes = labels.map((_, i) => labels.slice(i).join('.'));
  const wanted = visibility.toLowerCase();
  // A zone without visibility has Cloud DNS's default, public.
  const zones = (await Promise.all(suffixes.map((name) => dns.zonesNamed(name)))).flat().filter((z) => (z.visibility ?? 'public') === wanted);
  let zone: ManagedZone;
  try {
    zone = longestZone({
      cluster,
      zones,
      looked: `${wanted} Cloud DNS managed zone`,
      name: (z) => z.dnsName,
      id: (z) => z.name,
      create: (name) => `gcloud dns managed-zones create ${name.replaceAll('.', '-')} --dns-name ${name}. --description ${name} --visibility ${wanted}${wanted === 'private' ? ' --networks <network>' : ''}`,
    });
  } catch (e) {
    if (lookup.missingIsEmpty === true && e instanceof HoistError && e.code === 'NOT_FOUND') {
      lookup.events({ level: 'warn', code: 'dns.zone-missing', message: `${e.message}: no DNS records of ${cluster} are looked for`, data: { cluster } });
      return spec;
    }
    throw e;
  }
  const name = zoneName(zone.dnsName);
  lookup.events({ level: 'info', code: 'dns.zone-found', message: `${cluster} uses the ${wanted} Cloud DNS managed zone ${zone.name} (${name}), found for it (spec.dnsZone is not set)`, data: { cluster, zone: name, id: zone.name } });
  return { ...spec, cluster: { ...spec.cluster, spec: { ...spec.cluster.spec, dnsZone: zone.name } } };
}
