/**
 * The Route 53 hosted zone of a cluster whose spec names no `dnsZone`, found as kops finds it:
 * of the account's zones (ListHostedZonesByName, every page), those whose name is the cluster's
 * name or a suffix of it, public for `topology.dns.type: Public`, private for `Private`, the
 * longest winning. A private zone must also be associated with the cluster's VPC when that VPC
 * exists (`networkID`, or the one hoist made): records in a zone the VPC does not see would
 * resolve nowhere the machines are. The plan then uses the zone by its id, which tells apart a
 * public and a private zone of one name; the spec in the state store is not changed.
 */

import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import type { HostedZone } from '@aws-sdk/client-route-53';
import { longestZone, zoneHolds, zoneName, zoneToFind } from '../../src/api/api-dns.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { createClients, destroyClients } from './clients.js';
import type { AwsClients } from './clients.js';
import { ownedFilter } from './tags.js';

export interface HostedZoneLookup {
  readonly events: EventSink;
  /**
   * A teardown goes on without a zone (with a warning): with no zone there are no records of
   * the cluster to delete, and a zone deleted before the cluster must not block its teardown.
   */
  readonly missingIsEmpty?: boolean;
}

const zoneId = (zone: HostedZone): string => (zone.Id ?? '').replace(/^\/hostedzone\//, '');

/** The spec with `dnsZone` set to the id of the zone found; the spec itself when it names one or wants no DNS. */
export async function withFoundHostedZone(clients: Pick<AwsClients, 'route53' | 'ec2'>, spec: CompletedSpec, lookup: HostedZoneLookup): Promise<CompletedSpec> {
  const visibility = zoneToFind(spec);
  if (visibility === undefined) return spec;
  const cluster = spec.cluster.metadata.name;
  const wantPrivate = visibility === 'Private';
  let zones = (await listHostedZones(clients)).filter((z) => (z.Config?.PrivateZone ?? false) === wantPrivate && zoneHolds(z.Name ?? '', cluster));
  let looked = `${visibility.toLowerCase()} Route 53 hosted zone`;
  let zone: HostedZone;
  try {
    if (wantPrivate) {
      const vpc = spec.cluster.spec.networkID ?? (await ownedVpc(clients, cluster));
      // A private zone serves only the VPCs associated with it, and hoist associates none: a zone
      // picked before the VPC exists would resolve nowhere, and the next plan would pick another.
      if (vpc === undefined) {
        throw new HoistError('NOT_FOUND', `${cluster}'s private DNS zone is found by its association with the cluster's VPC, which does not exist yet (spec.dnsZone is not set)`, {
          hint: 'set spec.networkID to a VPC a private zone holding the cluster\'s name is associated with, or set spec.dnsZone to the private zone\'s id and associate it with the VPC after the first apply (aws route53 associate-vpc-with-hosted-zone)',
        });
      }
      zones = await associatedWith(clients, zones, vpc);
      looked = `private Route 53 hosted zone associated with ${vpc}`;
    }
    zone = longestZone({
      cluster,
      zones,
      looked,
      name: (z) => z.Name ?? '',
      id: zoneId,
      create: (name) => `aws route53 create-hosted-zone --name ${name} --caller-reference $(date +%s)${wantPrivate ? ' --vpc VPCRegion=<region>,VPCId=<vpc>' : ''}`,
    });
  } catch (e) {
    if (lookup.missingIsEmpty === true && e instanceof HoistError && e.code === 'NOT_FOUND') {
      lookup.events({ level: 'warn', code: 'dns.zone-missing', message: `${e.message}: no DNS records of ${cluster} are looked for`, data: { cluster } });
      return spec;
    }
    throw e;
  }
  const id = zoneId(zone);
  const name = zoneName(zone.Name ?? '');
  lookup.events({ level: 'info', code: 'dns.zone-found', message: `${cluster} uses the ${visibility.toLowerCase()} Route 53 hosted zone ${name} (${id}), found for it (spec.dnsZone is not set)`, data: { cluster, zone: name, id } });
  return { ...spec, cluster: { ...spec.cluster, spec: { ...spec.cluster.spec, dnsZone: id } } };
}

/** Every hosted zone of the account, page by page (100 a page, in the order of their reversed names). */
async function listHostedZones(clients: Pick<AwsClients, 'route53'>): Promise<HostedZone[]> {
  const zones: HostedZone[] = [];
  let next: { DNSName?: string; HostedZoneId?: string } = {};
  for (;;) {
    const page = await clients.route53.send(new ListHostedZonesByNameCommand({ ...next, MaxItems: 100 }));
    zones.push(...(page.HostedZones ?? []));
    if (page.IsTruncated !== true || page.NextDNSName === undefined) return zones;
    next = { DNSName: page.NextDNSName, ...(page.NextHostedZoneId === undefined ? {} : { HostedZoneId: page.NextHostedZoneId }) };
  }
}

/** The VPC hoist made for the cluster, if it exists yet. */
async function ownedVpc(clients: Pick<AwsClients, 'ec2'>, cluster: string): Promise<string | undefined> {
  const out = await clients.ec2.send(new DescribeVpcsCommand({ Filters: ownedFilter(cluster) }));
  return out.Vpcs?.find((v) => v.VpcId !== undefined)?.VpcId;
}

/** The private zones the VPC sees: one GetHostedZone per candidate (only zones that end the cluster's name). */
async function associatedWith(clients: Pick<AwsClients, 'route53'>, zones: readonly HostedZone[], vpc: string): Promise<HostedZone[]> {
  const seen = await Promise.all(zones.map(async (z) => ((await clients.route53.send(new GetHostedZoneCommand({ Id: z.Id }))).VPCs ?? []).some((v) => v.VPCId === vpc)));
  return zones.filter((_, i) => seen[i]);
}

/**
 * For `--target terraform`, which opens no session: Route 53 is asked (with clients of its own)
 * only when the spec leaves its zone to be found, and the module then reads the zone by its id.
 */
export async function withFoundHostedZoneFromEnv(spec: CompletedSpec, options: { readonly env: Readonly<Record<string, string | undefined>>; readonly events: EventSink }): Promise<CompletedSpec> {
  if (zoneToFind(spec) === undefined) return spec;
  const { env } = options;
  // Route 53 is global; the region only places the EC2 call that finds the cluster's VPC.
  const region = spec.cluster.spec.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const clients = createClients({ region, env, maxAttempts: 8, plugins: [], onAttempt: () => undefined });
  try {
    return await withFoundHostedZone(clients, spec, { events: options.events });
  } finally {
    destroyClients(clients);
  }
}
