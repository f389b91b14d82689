/**
 * The API endpoint on GCE (the fake Compute and Cloud DNS APIs), through the CLI: a cluster with
 * a DNS zone gets A records of `api.<cluster>` and `api.internal.<cluster>` on its API address in
 * the zone's managed zone, and `delete cluster` removes them (with an internal API load balancer
 * over two control-plane subnets, both records name both subnets' addresses); a cluster imported from kops's
 * minimal GCE spec with `topology.dns.type: None` gets none, and its machines' configuration,
 * API certificate names and exported kubeconfig use the address itself, and its machines run as
 * kops's `gceServiceAccount: default` (the project's default compute account).
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { apiName, apiSubnetName } from '../../cloudup/gce/names.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir } from '../support/cli.js';
import { iamOf } from './fake/iam.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror } from './support.js';

const ZONE = 'dns.example.com';
const WITH_ZONE = 'zoned.dns.example.com';
const NO_DNS = 'minimal-gce.example.com';
let fake: FakeCompute;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const dns = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${fake.url}/dns/v1/projects/${PROJECT}/managedZones${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return (await res.json()) as Readonly<Record<string, unknown>>;
};
const aRecords = async (): Promise<Map<string, string[]>> => {
  const list = (await dns('GET', '/dns-example-com/rrsets')) as { rrsets: { name: string; type: string; rrdatas: string[] }[] };
  return new Map(list.rrsets.filter((r) => r.type === 'A').map((r) => [r.name, r.rrdatas]));
};
const apiAddress = (cluster: string): string => {
  const address = fake.resources('addresses').find((a) => a.name === apiName(cluster));
  expect(address?.address, `the API address of ${cluster}`).toEqual(expect.any(String));
  return String(address!.address);
};
const nodeupYaml = async (cluster: string, ig: string) => {
  const store = await openStore(env.HOIST_STATE_STORE!);
  const got = await store.get(`${cluster}/igconfig/${ig}/nodeup.yaml`);
  return parse(Buffer.from(got!.body).toString('utf8')) as { apiServer: string; controlPlane?: { apiServer: { publicName: string } } };
};
const kubeconfigServer = async (cluster: string): Promise<string> => {
  const file = join(dir.path, `${cluster}.kubeconfig`);
  const exported = await run(['export', 'kubeconfig', cluster, '--kubeconfig', file]);
  expect(exported.code, exported.stderr).toBe(0);
  const config = parse(await readFile(file, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
  return config.clusters.find((c) => c.name === cluster)!.cluster.server;
};

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-dns-');
  env = { ...cliEnv(fake, `file://${join(dir.path, 'state')}`), HOIST_GCE_DNS_ENDPOINT: fake.url };
  const zone = await dns('POST', '', { name: 'dns-example-com', dnsName: `${ZONE}.`, description: 'the tests\' zone' });
  expect(zone.kind).toBe('dns#managedZone');
});

afterAll(async () => {
  await fake?.stop();
  await dir?.cleanup();
});

describe('a GCE cluster with a DNS zone', () => {
  it('gets A records of api and api.internal on its API address, which delete cluster removes', async () => {
    const created = await run(['create', 'cluster', WITH_ZONE, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1', '--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    await useAssetMirror(run, WITH_ZONE, join(dir.path, 'assets-zoned'));
    const applied = await run(['update', 'cluster', WITH_ZONE, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`DnsRecord/api.internal.${WITH_ZONE}`);
    const address = apiAddress(WITH_ZONE);
    const records = await aRecords();
    expect(records.get(`api.${WITH_ZONE}.`)).toEqual([address]);
    expect(records.get(`api.internal.${WITH_ZONE}.`)).toEqual([address]);
    expect(await kubeconfigServer(WITH_ZONE)).toBe(`https://api.${WITH_ZONE}:6443`);

    const again = await run(['update', 'cluster', WITH_ZONE, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);

    const deleted = await run(['delete', 'cluster', WITH_ZONE, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect([...(await aRecords()).keys()]).toEqual([]);
    // The zone is the user's: it stays, with its own records.
    expect(((await dns('GET', '/dns-example-com/rrsets')) as { rrsets: unknown[] }).rrsets).toHaveLength(2);
  });

  it('with an internal API load balancer over two control-plane subnets, names every subnet\'s address in both records', async () => {
    const name = `ilb.${ZONE}`;
    const created = await run(['create', 'cluster', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a,us-central1-b,us-central1-c', '--control-plane-count', '3', '--node-count', '1', '--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    await useAssetMirror(run, name, join(dir.path, 'assets-ilb'));
    // A second subnet of the region, which two of the three control-plane groups move to.
    const cluster = parse((await run(['get', 'cluster', name, '-o', 'yaml'])).stdout) as { spec: { subnets: object[]; api: object } };
    const extra = { name: 'cp-extra', region: 'us-central1', type: 'Public', cidr: '10.0.64.0/19' };
    const internal = await run(['replace', '-f', '-'], stringify({ ...cluster, spec: { ...cluster.spec, subnets: [...cluster.spec.subnets, extra], api: { ...cluster.spec.api, loadBalancer: { type: 'Internal' } } } }));
    expect(internal.code, internal.stderr).toBe(0);
    for (const zone of ['b', 'c']) {
      const ig = parse((await run(['get', 'instancegroup', `control-plane-us-central1-${zone}`, '--name', name, '-o', 'yaml'])).stdout) as { spec: object };
      const moved = await run(['replace', '-f', '-'], stringify({ ...ig, spec: { ...ig.spec, subnets: ['cp-extra'] } }));
      expect(moved.code, moved.stderr).toBe(0);
    }
    const applied = await run(['update', 'cluster', name, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const address = (subnet: string) => String(fake.resources('addresses').find((a) => a.name === apiSubnetName(subnet, name))?.address);
    // The first control-plane group's subnet first, as the forwarding rules are made.
    const both = [address('us-central1'), address('cp-extra')];
    expect(both.every((a) => /^10\./.test(a)) && both[0] !== both[1]).toBe(true);
    const records = await aRecords();
    expect(records.get(`api.${name}.`)).toEqual(both);
    expect(records.get(`api.internal.${name}.`)).toEqual(both);
    const again = await run(['update', 'cluster', name, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const deleted = await run(['delete', 'cluster', name, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect([...(await aRecords()).keys()].filter((n) => n.includes(name))).toEqual([]);
  });

  it('names a managed zone that does not exist, and changes nothing', async () => {
    const created = await run(['create', 'cluster', 'nozone.example.org', '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1', '--dns-zone', 'example.org']);
    expect(created.code, created.stderr).toBe(0);
    await useAssetMirror(run, 'nozone.example.org', join(dir.path, 'assets-nozone'));
    const refused = await run(['update', 'cluster', 'nozone.example.org', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ManagedZone/example.org: must exist already');
    expect(fake.resources('networks').filter((n) => String(n.name).startsWith('nozone'))).toEqual([]);
  });

  it('without a dnsZone, plans with the zone that ends the cluster name, and leaves the spec as written', async () => {
    const name = `found.${ZONE}`;
    const created = await run(['create', 'cluster', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1', '--set', 'spec.topology.dns.type=Public']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`${name} names no spec.dnsZone: update cluster finds its public DNS zone in the cloud`);
    await useAssetMirror(run, name, join(dir.path, 'assets-found'));
    const plan = await run(['update', 'cluster', name]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`${name} uses the public Cloud DNS managed zone dns-example-com (${ZONE}), found for it`);
    expect(plan.stdout).toContain('ManagedZone/dns-example-com');
    expect(plan.stdout).toContain(`DnsRecord/api.internal.${name}`);
    const got = parse((await run(['get', 'cluster', name, '-o', 'yaml'])).stdout) as { spec: { dnsZone?: string } };
    expect(got.spec.dnsZone).toBeUndefined();
  });
});

describe('a kops GCE cluster with topology.dns.type None', () => {
  it('imports, plans, applies with no records, and names its API address in nodeup.yaml and the kubeconfig', async () => {
    // kops's minimal_gce test spec with no DNS, in the fake's project and a region it knows (and
    // IPv4 access only: a GCE firewall takes one address family).
    const kops = (await readFile(join(import.meta.dirname, '../fixtures/kops-specs/minimal_gce.yaml'), 'utf8'))
      .replace(/^ {4}- ::\/0\n/gm, '')
      .replaceAll('us-test1', 'us-central1')
      .replace('project: testproject', `project: ${PROJECT}\n  dnsZone: ${ZONE}`)
      .replace(/ {2}topology:\n {4}dns:\n {6}type: Public/, '  topology:\n    dns:\n      type: None')
      .replace(/^ {2}image: .*\n/gm, '');
    const created = await run(['create', '-f', '-'], kops);
    expect(created.code, created.stderr).toBe(0);
    const got = parse((await run(['get', 'cluster', NO_DNS, '-o', 'yaml'])).stdout) as { spec: { topology: { dns: { type: string } } } };
    expect(got.spec.topology.dns.type).toBe('None');
    await useAssetMirror(run, NO_DNS, join(dir.path, 'assets-none'));

    const plan = await run(['update', 'cluster', NO_DNS]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain('DnsRecord/');
    expect(plan.stderr).toContain(`makes Address/${apiName(NO_DNS)} first`);

    const applied = await run(['update', 'cluster', NO_DNS, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const address = apiAddress(NO_DNS);
    expect([...(await aRecords()).keys()].filter((n) => n.includes(NO_DNS))).toEqual([]);
    const plane = await nodeupYaml(NO_DNS, 'master-us-central1-a');
    expect(plane.apiServer).toBe(`https://${address}:6443`);
    expect(plane.controlPlane?.apiServer.publicName).toBe(address);
    expect((await nodeupYaml(NO_DNS, 'nodes')).apiServer).toBe(`https://${address}:6443`);
    expect(await kubeconfigServer(NO_DNS)).toBe(`https://${address}:6443`);
    // kops's gceServiceAccount: default is kept: every machine runs as the project's default
    // compute account, and hoist makes no account of its own.
    const templates = fake.resources('instanceTemplates').filter((t) => t.description === `hoist.dev/cluster=${NO_DNS}`);
    expect(templates.length).toBeGreaterThan(0);
    expect(templates.map((t) => (t['properties'] as { serviceAccounts: { email: string }[] }).serviceAccounts[0]!.email)).toEqual(templates.map(() => 'default'));
    expect([...iamOf(fake.state).accounts.values()].filter((a) => a.description === `hoist.dev/cluster=${NO_DNS}`)).toEqual([]);

    const again = await run(['update', 'cluster', NO_DNS, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const deleted = await run(['delete', 'cluster', NO_DNS, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});
