/**
 * Cloud DNS v1 on the fake server: `projects/P/managedZones` (create, list with `dnsName`, get)
 * and their `rrsets` (create, list with `name` and `type`, get, patch, delete), in the public
 * REST shapes: `dns#…` kinds, names with the final dot, uint64 ids as strings, direct answers
 * (no Operation), Google error bodies. A new zone has its SOA and NS records, as a real one has.
 */

import { ApiError, alreadyExists, invalid, notFound, required } from './errors.js';
import type { State } from './state.js';
import type { Json } from './validate.js';

interface Zone {
  readonly zone: Json;
  readonly records: Map<string, Json>;
}

const stores = new WeakMap<State, Map<string, Zone>>();
const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

const key = (name: string, type: string): string => `${name}/${type}`;
const dotted = (name: string): string => (name.endsWith('.') ? name : `${name}.`);

export function routeCloudDns(state: State, method: string, path: string, query: URLSearchParams, body: Json): Json {
  const m = /^\/dns\/v1\/projects\/([^/]+)\/managedZones(?:\/([^/]+)(?:\/rrsets(?:\/([^/]+)\/([^/]+))?)?)?$/.exec(path);
  const rrsets = path.includes('/rrsets');
  if (!m) throw notFound(path.replace(/^\/dns\/v1\//, ''));
  const [, project, zoneName, recordName, recordType] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined];
  const zones = stores.get(state) ?? new Map<string, Zone>();
  stores.set(state, zones);
  const zoneKey = (z: string) => `${project}/${z}`;
  if (zoneName === undefined) {
    if (method === 'GET') {
      const dnsName = query.get('dnsName');
      const items = [...zones.entries()].filter(([k, z]) => k.startsWith(`${project}/`) && (dnsName === null || z.zone.dnsName === dotted(dnsName))).map(([, z]) => z.zone);
      return { kind: 'dns#managedZonesListResponse', managedZones: items };
    }
    if (method === 'POST') return createZone(state, zones, project, body);
    throw notFound(path);
  }
  const zone = zones.get(zoneKey(decodeURIComponent(zoneName)));
  if (!zone) throw notFound(`projects/${project}/managedZones/${zoneName}`);
  if (!rrsets) {
    if (method === 'GET') return zone.zone;
    throw notFound(path);
  }
  if (recordName === undefined) {
    if (method === 'GET') {
      const name = query.get('name');
      const type = query.get('type');
      if (type !== null && name === null) throw invalid('type', type, 'type is only allowed together with name.');
      const items = [...zone.records.values()].filter((r) => (name === null || r.name === dotted(name)) && (type === null || r.type === type));
      return { kind: 'dns#resourceRecordSetsListResponse', rrsets: items };
    }
    if (method === 'POST') {
      const record = checkRecord(zone, body);
      const k = key(String(record.name), String(record.type));
      if (zone.records.has(k)) throw alreadyExists(`${String(record.name)} ${String(record.type)}`);
      zone.records.set(k, record);
      return record;
    }
    throw notFound(path);
  }
  const k = key(decodeURIComponent(recordName), decodeURIComponent(recordType!));
  const existing = zone.records.get(k);
  if (!existing) throw notFound(`${decodeURIComponent(recordName)} ${decodeURIComponent(recordType!)}`);
  switch (method) {
    case 'GET':
      return existing;
    case 'PATCH': {
      const record = checkRecord(zone, { ...existing, ...body });
      if (record.name !== existing.name || record.type !== existing.type) throw invalid('name', record.name, 'The name and type of a record set cannot change.');
      zone.records.set(k, record);
      return record;
    }
    case 'DELETE':
      zone.records.delete(k);
      return {};
  }
  throw notFound(path);
}

function createZone(state: State, zones: Map<string, Zone>, project: string, body: Json): Json {
  const name = body.name;
  const dnsName = body.dnsName;
  if (typeof name !== 'string') throw required('name');
  if (!NAME.test(name)) throw invalid('name', name, 'Must be a match of regex [a-z]([-a-z0-9]*[a-z0-9])?');
  if (typeof dnsName !== 'string' || !dnsName.endsWith('.')) throw invalid('dnsName', dnsName, 'A DNS name ends with a dot.');
  if (zones.has(`${project}/${name}`)) throw alreadyExists(`projects/${project}/managedZones/${name}`);
  const zone: Json = {
    kind: 'dns#managedZone',
    name,
    dnsName,
    description: typeof body.description === 'string' ? body.description : '',
    id: String(state.newId()),
    nameServers: ['ns-cloud-a1.googledomains.com.', 'ns-cloud-a2.googledomains.com.'],
    creationTime: new Date().toISOString(),
    visibility: typeof body.visibility === 'string' ? body.visibility : 'public',
  };
  const records = new Map<string, Json>([
    [key(dnsName, 'NS'), { kind: 'dns#resourceRecordSet', name: dnsName, type: 'NS', ttl: 21600, rrdatas: zone.nameServers as Json[] }],
    [key(dnsName, 'SOA'), { kind: 'dns#resourceRecordSet', name: dnsName, type: 'SOA', ttl: 21600, rrdatas: [`ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300`] }],
  ]);
  zones.set(`${project}/${name}`, { zone, records });
  return zone;
}

function checkRecord(zone: Zone, body: Json): Json {
  const { name, type, ttl, rrdatas } = body;
  if (typeof name !== 'string') throw required('rrset.name');
  if (typeof type !== 'string') throw required('rrset.type');
  const zoneName = String(zone.zone.dnsName);
  if (!name.endsWith('.')) throw invalid('rrset.name', name, 'A DNS name ends with a dot.');
  if (name !== zoneName && !name.endsWith(`.${zoneName}`)) throw new ApiError(400, 'invalid', `Invalid value for 'entity.change.additions[${name}][${type}].name': '${name}' is not in zone '${zoneName}'`);
  if (!Array.isArray(rrdatas) || rrdatas.length === 0) throw required('rrset.rrdatas');
  if (type === 'A' && !rrdatas.every((d) => typeof d === 'string' && IPV4.test(d))) throw invalid('rrset.rrdatas', rrdatas, 'An A record holds IPv4 addresses.');
  return { kind: 'dns#resourceRecordSet', name, type, ttl: typeof ttl === 'number' ? ttl : 300, rrdatas };
}
