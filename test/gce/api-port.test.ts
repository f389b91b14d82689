/**
 * The API's port on GCE (the fake Compute and Cloud DNS APIs), through the CLI: the port the API's
 * forwarding rule serves (which a GCE network load balancer passes on unchanged, so it is the API
 * servers' own) is the port of every URL that names the API — the exported kubeconfig's and
 * nodeup.yaml's `apiServer` of every group — with DNS records (a `dnsZone`) and without them (a
 * cluster created with no zone has `topology.dns.type: None`). A GCE cluster in an s3:// state
 * store, which its machines could not read, is refused when planned, before anything is made.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiName } from '../../cloudup/gce/names.js';
import { API_PORT as API_SERVERS_PORT } from '../../nodeup/model/control-plane.js';
import { openStore } from '../../state-store/open.js';
import { testAccount } from '../aws/support.js';
import { hoist, tempDir } from '../support/cli.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror } from './support.js';

const ZONE = 'port.example.com';
const WITH_ZONE = `zoned.${ZONE}`;
const NO_ZONE = 'nozone.port.example.net';
let fake: FakeCompute;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string, extra: Record<string, string> = {}) => hoist(args, { env: { ...env, ...extra }, ...(stdin === undefined ? {} : { stdin }) });
const portOf = (url: string): number => Number(new URL(url).port || 443);
const create = (cluster: string, extra: string[] = [], envExtra: Record<string, string> = {}) =>
  run(['create', 'cluster', cluster, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1', ...extra], undefined, envExtra);

/** The API forwarding rule's ports (`6443-6443` is one) and its address. */
function forwardingRule(cluster: string): { ports: number[]; address: string } {
  const rule = fake.resources('forwardingRules').find((r) => r.name === apiName(cluster));
  expect(rule?.portRange, `the API forwarding rule of ${cluster}`).toEqual(expect.any(String));
  const [from, to] = String(rule!.portRange).split('-').map(Number) as [number, number];
  return { ports: Array.from({ length: to - from + 1 }, (_, i) => from + i), address: String(rule!.IPAddress) };
}

async function nodeupApiServers(cluster: string): Promise<Map<string, string>> {
  const store = await openStore(env.HOIST_STATE_STORE!);
  const igs = JSON.parse((await run(['get', 'instancegroups', '--name', cluster, '-o', 'json'])).stdout) as { items: { metadata: { name: string } }[] };
  const servers = new Map<string, string>();
  for (const ig of igs.items) {
    const got = await store.get(`${cluster}/igconfig/${ig.metadata.name}/nodeup.yaml`);
    servers.set(ig.metadata.name, (parse(Buffer.from(got!.body).toString('utf8')) as { apiServer: string }).apiServer);
  }
  return servers;
}

async function kubeconfigServer(cluster: string, extra: string[] = []): Promise<string> {
  const file = join(dir.path, `${cluster}${extra.join('')}.kubeconfig`);
  const exported = await run(['export', 'kubeconfig', cluster, '--kubeconfig', file, ...extra]);
  expect(exported.code, exported.stderr).toBe(0);
  const config = parse(await readFile(file, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
  return config.clusters.find((c) => c.name === cluster)!.cluster.server;
}

/** Applies `cluster` and checks that every URL of its API uses the port its forwarding rule serves. */
async function applyAndCompare(cluster: string, host: (address: string) => { public: string; internal: string }): Promise<void> {
  await useAssetMirror(run, cluster, join(dir.path, `assets-${cluster}`));
  const applied = await run(['update', 'cluster', cluster, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  const rule = forwardingRule(cluster);
  expect(rule.ports).toEqual([API_SERVERS_PORT]);
  const [serving] = rule.ports as [number];
  const names = host(rule.address);

  const kubeconfig = await kubeconfigServer(cluster);
  expect(portOf(kubeconfig)).toBe(serving);
  expect(new URL(kubeconfig).hostname).toBe(names.public);
  const internal = await kubeconfigServer(cluster, ['--internal']);
  expect(portOf(internal)).toBe(serving);
  expect(new URL(internal).hostname).toBe(names.internal);

  const servers = await nodeupApiServers(cluster);
  expect(servers.size).toBeGreaterThanOrEqual(2);
  for (const [ig, server] of servers) {
    expect(portOf(server), `nodeup.yaml apiServer of ${ig}`).toBe(serving);
    expect(new URL(server).hostname, `nodeup.yaml apiServer of ${ig}`).toBe(names.public);
  }
  const deleted = await run(['delete', 'cluster', cluster, '--yes']);
  expect(deleted.code, deleted.stderr).toBe(0);
}

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-port-');
  env = { ...cliEnv(fake, `file://${join(dir.path, 'state')}`), HOIST_GCE_DNS_ENDPOINT: fake.url };
  const res = await fetch(`${fake.url}/dns/v1/projects/${PROJECT}/managedZones`, { method: 'POST', body: JSON.stringify({ name: 'port-example-com', dnsName: `${ZONE}.` }) });
  expect(res.ok).toBe(true);
});

afterAll(async () => {
  await fake?.stop();
  await dir?.cleanup();
});

describe('the API port on GCE', () => {
  it('with DNS records: kubeconfigs and every nodeup.yaml name api.<cluster> on the forwarding rule port', async () => {
    const created = await create(WITH_ZONE, ['--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    await applyAndCompare(WITH_ZONE, () => ({ public: `api.${WITH_ZONE}`, internal: `api.internal.${WITH_ZONE}` }));
  });

  it('without a zone: create cluster makes topology.dns.type None, named by the API address on the forwarding rule port', async () => {
    const created = await create(NO_ZONE);
    expect(created.code, created.stderr).toBe(0);
    const got = parse((await run(['get', 'cluster', NO_ZONE, '-o', 'yaml'])).stdout) as { spec: { topology: { dns: { type: string } }; dnsZone?: string } };
    expect(got.spec.topology.dns.type).toBe('None');
    expect(got.spec.dnsZone).toBeUndefined();
    await applyAndCompare(NO_ZONE, (address) => ({ public: address, internal: address }));
  });

  it('refuses to plan a cluster whose state store is on S3, with the fix, and makes nothing', async () => {
    const account = await testAccount();
    try {
      const s3 = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters` };
      const cluster = 's3store.port.example.net';
      const created = await create(cluster, [], s3);
      expect(created.code, created.stderr).toBe(0);
      await useAssetMirror((args, stdin) => run(args, stdin, s3), cluster, join(dir.path, 'assets-s3'));
      for (const args of [['update', 'cluster', cluster], ['update', 'cluster', cluster, '--yes']]) {
        const refused = await run(args, undefined, s3);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`the state store s3://${account.bucket}/clusters is on S3`);
        expect(refused.stderr).toContain('file://');
        expect(refused.stderr).toContain('gs:// store');
        expect(refused.stderr).not.toMatch(/^\s+at /m);
      }
      expect(fake.resources('networks').filter((n) => String(n.name).startsWith('s3store'))).toEqual([]);
      expect(fake.resources('addresses').filter((a) => String(a.name).includes('s3store'))).toEqual([]);
    } finally {
      account.close();
    }
  });
});
