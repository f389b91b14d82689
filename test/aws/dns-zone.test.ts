/**
 * The Route 53 hosted zone of a spec that names no dnsZone, found on moto as kops finds it: the
 * longest zone name that ends the cluster's name (sub.example.com over example.com for
 * a.sub.example.com), public for `topology.dns.type: Public`, private for `Private`, a private
 * one associated with the cluster's VPC when that VPC exists; none, or two of one name, is an
 * error with the fixes, except in a teardown, which goes on without records to delete. A session
 * opened to plan uses the zone found by its id; the spec it was given is not changed.
 */

import { CreateTagsCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFoundHostedZone } from '../../cloudup/aws/dns-zone.js';
import { openAwsSession } from '../../cloudup/aws/session.js';
import { completeSpec } from '../../src/api/index.js';
import type { CompletedSpec, ClusterSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import { recorder } from '../../src/output/events.js';
import { cluster, groups } from '../api/fixtures.js';
import { testAccount } from './support.js';
import type { TestAccount } from './support.js';

let account: TestAccount;
const ids: Record<string, string> = {};
let vpcA: string;
let vpcB: string;

const spec = (name: string, type: 'Public' | 'Private' | 'None', extra: Partial<ClusterSpec> = {}): CompletedSpec => {
  const { dnsZone: _zone, ...rest } = cluster({ topology: { dns: { type } } }, name).spec;
  return completeSpec({ ...cluster({}, name), spec: { ...rest, ...extra } }, groups());
};

async function zone(key: string, name: string, vpc?: string): Promise<void> {
  const made = await account.clients.route53.send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: `${key}-${Date.now()}`, ...(vpc ? { VPC: { VPCId: vpc, VPCRegion: 'us-east-1' }, HostedZoneConfig: { PrivateZone: true } } : {}) }),
  );
  ids[key] = made.HostedZone!.Id!.replace('/hostedzone/', '');
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
  account = await testAccount();
  vpcA = (await account.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
  vpcB = (await account.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }))).Vpc!.VpcId!;
  await zone('example', 'example.com');
  await zone('sub', 'sub.example.com');
  await zone('other', 'other.com');
  await zone('privateSub', 'sub.example.com', vpcA);
  await zone('privateExample', 'example.com', vpcB);
  await zone('dup1', 'dup.example.net');
  await zone('dup2', 'dup.example.net');
});

afterAll(() => account?.close());

describe('the hosted zone of a cluster without dnsZone', () => {
  it('is the public zone with the longest name that ends the cluster name, used by its id', async () => {
    const { sink, events } = recorder();
    const given = spec('a.sub.example.com', 'Public');
    const found = await withFoundHostedZone(account.clients, given, { events: sink });
    expect(found.cluster.spec.dnsZone).toBe(ids['sub']);
    expect(given.cluster.spec.dnsZone).toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ level: 'info', code: 'dns.zone-found', message: `a.sub.example.com uses the public Route 53 hosted zone sub.example.com (${ids['sub']}), found for it (spec.dnsZone is not set)` })]);
    // The cluster's own name may be the zone's; a label is never split.
    expect((await withFoundHostedZone(account.clients, spec('sub.example.com', 'Public'), { events: sink })).cluster.spec.dnsZone).toBe(ids['sub']);
    expect((await withFoundHostedZone(account.clients, spec('b.asub.example.com', 'Public'), { events: sink })).cluster.spec.dnsZone).toBe(ids['example']);
  });

  it('is a private zone for Private, associated with the cluster\'s VPC, which must exist', async () => {
    const events = recorder().sink;
    // No VPC yet (none has the cluster's tag): no zone can be told to serve it, so none is picked.
    const early = await thrown(withFoundHostedZone(account.clients, spec('a.sub.example.com', 'Private'), { events }));
    expect(early.message).toBe('a.sub.example.com\'s private DNS zone is found by its association with the cluster\'s VPC, which does not exist yet (spec.dnsZone is not set)');
    expect(early.hint).toContain('set spec.networkID');
    // A teardown of a cluster whose VPC is gone goes on without records.
    expect((await withFoundHostedZone(account.clients, spec('a.sub.example.com', 'Private'), { events, missingIsEmpty: true })).cluster.spec.dnsZone).toBeUndefined();
    expect((await withFoundHostedZone(account.clients, spec('a.sub.example.com', 'Private', { networkID: vpcA }), { events })).cluster.spec.dnsZone).toBe(ids['privateSub']);
    // vpcB sees only the private example.com: sub.example.com's private zone would resolve nowhere there.
    expect((await withFoundHostedZone(account.clients, spec('a.sub.example.com', 'Private', { networkID: vpcB }), { events })).cluster.spec.dnsZone).toBe(ids['privateExample']);
    // The VPC hoist made for the cluster (found by its ownership tag) counts as networkID does.
    await account.clients.ec2.send(new CreateTagsCommand({ Resources: [vpcB], Tags: [{ Key: 'kubernetes.io/cluster/owned.sub.example.com', Value: 'owned' }] }));
    expect((await withFoundHostedZone(account.clients, spec('owned.sub.example.com', 'Private'), { events })).cluster.spec.dnsZone).toBe(ids['privateExample']);
    const e = await thrown(withFoundHostedZone(account.clients, spec('a.other.com', 'Private', { networkID: vpcB }), { events }));
    expect(e.message).toBe(`no private Route 53 hosted zone associated with ${vpcB} holds the names of a.other.com (spec.dnsZone is not set, so hoist looked for a zone named a.other.com or a suffix of it)`);
    expect(e.hint).toContain('--vpc VPCRegion=<region>,VPCId=<vpc>');
  });

  it('is an error with the fixes when no zone holds the cluster, or two of one name do', async () => {
    const events = recorder().sink;
    const none = await thrown(withFoundHostedZone(account.clients, spec('a.example.org', 'Public'), { events }));
    expect(none).toMatchObject({ code: 'NOT_FOUND', path: 'spec.dnsZone' });
    expect(none.message).toBe('no public Route 53 hosted zone holds the names of a.example.org (spec.dnsZone is not set, so hoist looked for a zone named a.example.org or a suffix of it)');
    expect(none.hint).toBe(
      "create the zone (e.g. aws route53 create-hosted-zone --name example.org --caller-reference $(date +%s)), or set spec.dnsZone to a zone that holds a.example.org, or set spec.topology.dns.type to None (machines and kubeconfigs then use the API load balancer's own name)",
    );
    const two = await thrown(withFoundHostedZone(account.clients, spec('x.dup.example.net', 'Public'), { events }));
    expect(two).toMatchObject({ code: 'INVALID_SPEC', path: 'spec.dnsZone' });
    expect(two.message).toContain('2 public Route 53 hosted zones named dup.example.net hold the names of x.dup.example.net');
    expect(two.hint).toContain(ids['dup1']);
    expect(two.hint).toContain(ids['dup2']);
  });

  it('is not looked for when the spec names a zone or wants no DNS, and a teardown goes on without one', async () => {
    const { sink, events } = recorder();
    const named = spec('a.sub.example.com', 'Public', { dnsZone: 'example.com' });
    expect(await withFoundHostedZone(account.clients, named, { events: sink })).toBe(named);
    const none = spec('a.sub.example.com', 'None');
    expect(await withFoundHostedZone(account.clients, none, { events: sink })).toBe(none);
    expect(events).toEqual([]);
    const missing = spec('a.example.org', 'Public');
    expect(await withFoundHostedZone(account.clients, missing, { events: sink, missingIsEmpty: true })).toBe(missing);
    expect(events).toEqual([expect.objectContaining({ level: 'warn', code: 'dns.zone-missing', message: expect.stringContaining('no DNS records of a.example.org are looked for') })]);
  });

  it('is what a session opened to plan uses, and a session that fails to find it is never opened', async () => {
    const { sink } = recorder();
    const given = spec('a.sub.example.com', 'Public');
    const session = await openAwsSession(given, { purpose: 'reconcile', env: account.env, events: sink });
    try {
      expect(session.ctx.dns).toEqual({ zone: ids['sub'], records: ['api.a.sub.example.com', 'api.internal.a.sub.example.com'] });
    } finally {
      await session.close();
    }
    expect(given.cluster.spec.dnsZone).toBeUndefined();
    const e = await thrown(openAwsSession(spec('a.example.org', 'Public'), { purpose: 'reconcile', env: account.env, events: sink }));
    expect(e.code).toBe('NOT_FOUND');
  });
});
