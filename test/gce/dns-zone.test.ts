/**
 * The Cloud DNS managed zone of a spec that names no dnsZone, found on the fake Cloud DNS as
 * kops finds a zone: the longest DNS name that ends the cluster's name (sub.example.com over
 * example.com for a.sub.example.com), public for `topology.dns.type: Public`, private for
 * `Private`; none, or two of one name, is an error with the fixes, except in a teardown, which
 * goes on without records to delete. A session opened to plan uses the zone by its resource name.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFoundManagedZone } from '../../cloudup/gce/dns-zone.js';
import { openGceSession } from '../../cloudup/gce/session.js';
import type { ComputeClients } from '../../cloudup/gce/clients.js';
import { CloudDns } from '../../cloudup/gce/cloud-dns.js';
import { Compute } from '../../cloudup/gce/compute.js';
import { completeSpec } from '../../src/api/index.js';
import type { ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import { recorder, silent } from '../../src/output/events.js';
import { cluster, groups } from '../api/fixtures.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, computeOptions, startFake } from './support.js';

let fake: FakeCompute;
/** Cloud DNS on the fake, through hoist's client and Compute's retries (it makes no Compute call). */
let dns: CloudDns;
let env: Record<string, string>;

const spec = (name: string, type: 'Public' | 'Private' | 'None', extra: Partial<ClusterSpec> = {}): CompletedSpec => {
  const { dnsZone: _zone, ...rest } = cluster({}, name).spec;
  const gce = { ...rest, cloudProvider: 'gce' as const, project: PROJECT, networkCIDR: '10.0.0.0/16', subnets: [{ name: 'r', region: 'us-central1', type: 'Public' as const }], topology: { dns: { type } }, ...extra };
  return completeSpec({ ...cluster({}, name), spec: gce }, groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['r'], zones: ['us-central1-a'] } })));
};
const open = (s: CompletedSpec, purpose: 'reconcile' | 'teardown' = 'reconcile', events = silent) =>
  openGceSession(s, { purpose, env, events, compute: computeOptions(fake), sleep: async () => undefined });

async function zone(name: string, dnsName: string, visibility: 'public' | 'private'): Promise<void> {
  const res = await fetch(`${fake.url}/dns/v1/projects/${PROJECT}/managedZones`, { method: 'POST', body: JSON.stringify({ name, dnsName: `${dnsName}.`, visibility }) });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function thrown(p: Promise<unknown>): Promise<HoistError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HoistError);
  return e as HoistError;
}

beforeAll(async () => {
  fake = await startFake();
  env = { HOIST_GCE_DNS_ENDPOINT: fake.url, HOIST_GCE_AUTH: 'none' };
  await zone('example', 'example.com', 'public');
  await zone('sub', 'sub.example.com', 'public');
  await zone('sub-private', 'sub.example.com', 'private');
  await zone('example-private', 'example.com', 'private');
  await zone('dup-1', 'dup.example.net', 'public');
  await zone('dup-2', 'dup.example.net', 'public');
  dns = new CloudDns(new Compute({ project: PROJECT, clients: {} as ComputeClients }), env, () => undefined);
});

afterAll(async () => {
  await fake?.stop();
});

describe('the managed zone of a cluster without dnsZone', () => {
  it('is the zone of the asked visibility with the longest DNS name that ends the cluster name', async () => {
    const { sink, events } = recorder();
    const given = spec('a.sub.example.com', 'Public');
    expect((await withFoundManagedZone(dns, given, { events: sink })).cluster.spec.dnsZone).toBe('sub');
    expect(given.cluster.spec.dnsZone).toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ level: 'info', code: 'dns.zone-found', message: 'a.sub.example.com uses the public Cloud DNS managed zone sub (sub.example.com), found for it (spec.dnsZone is not set)' })]);
    expect((await withFoundManagedZone(dns, spec('a.sub.example.com', 'Private'), { events: sink })).cluster.spec.dnsZone).toBe('sub-private');
    expect((await withFoundManagedZone(dns, spec('b.asub.example.com', 'Private'), { events: sink })).cluster.spec.dnsZone).toBe('example-private');
  });

  it('is an error with the fixes when no zone holds the cluster, or two of one name do', async () => {
    const events = recorder().sink;
    const none = await thrown(withFoundManagedZone(dns, spec('a.example.org', 'Private'), { events }));
    expect(none).toMatchObject({ code: 'NOT_FOUND', path: 'spec.dnsZone' });
    expect(none.message).toBe('no private Cloud DNS managed zone holds the names of a.example.org (spec.dnsZone is not set, so hoist looked for a zone named a.example.org or a suffix of it)');
    expect(none.hint).toContain('gcloud dns managed-zones create example-org --dns-name example.org. --description example.org --visibility private --networks <network>');
    const two = await thrown(withFoundManagedZone(dns, spec('x.dup.example.net', 'Public'), { events }));
    expect(two).toMatchObject({ code: 'INVALID_SPEC', path: 'spec.dnsZone' });
    expect(two.message).toBe('2 public Cloud DNS managed zones named dup.example.net hold the names of x.dup.example.net (dup-1, dup-2), and spec.dnsZone does not say which');
  });

  it('is what a session opened to plan uses; a teardown goes on without one; nothing is looked for with a zone or no DNS', async () => {
    const planned = await open(spec('a.sub.example.com', 'Public'));
    try {
      expect(planned.ctx.dnsNames).toEqual({ zone: 'sub', records: ['api.a.sub.example.com', 'api.internal.a.sub.example.com'] });
    } finally {
      await planned.close();
    }
    const { sink, events } = recorder();
    const teardown = await open(spec('a.example.org', 'Public'), 'teardown', sink);
    try {
      expect(teardown.ctx.dnsNames).toBeUndefined();
      expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'warn', code: 'dns.zone-missing' })]));
    } finally {
      await teardown.close();
    }
    const named = spec('a.sub.example.com', 'Public', { dnsZone: 'example.com' });
    expect(await withFoundManagedZone(dns, named, { events: sink })).toBe(named);
  });
});
