/**
 * Several local clouds on one machine: ranges are taken machine-wide, a taken one is refused
 * at once, an address in use is not retried, and health checks only pass for the instance
 * they meant to reach.
 */

import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloudError } from '../../cloudup/local/client.js';
import { probe } from '../../cloudup/local/daemon/load-balancers.js';
import { healthy } from '../../nodeup/agent.js';
import { hoist } from '../support/cli.js';
import type { TestCloud } from './support.js';
import { destroyCloud, network, removeBundleCopy, startCloud } from './support.js';

let a: TestCloud;
let b: TestCloud;
let stores: string;
const servers: (Server | HttpServer)[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startCloud(), startCloud()]);
  stores = await mkdtemp(join(tmpdir(), 'hoist-stores-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  const left = [...(await destroyCloud(a.dir)), ...(await destroyCloud(b.dir))];
  await rm(stores, { recursive: true, force: true });
  await removeBundleCopy();
  expect(left).toEqual([]);
});

/** An env for the CLI: cloud `cloud`'s folder and a state store of its own. */
const envOf = (cloud: TestCloud, store: string) => ({ ...cloud.env, HOIST_STATE_STORE: `file://${join(stores, store)}`, HOIST_CLUSTER_NAME: '' });

function listen<S extends Server | HttpServer>(server: S, host: string, port: number): Promise<S> {
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

describe('two local clouds on one machine', () => {
  it('refuses at once a --network-cidr that another running local cloud uses, and leaves the store as it was', async () => {
    await a.client.create('networks', { name: 'theirs', cidr: '127.221.0.0/16', tags: {} });
    const env = envOf(b, 'refused');
    const r = await hoist(['create', 'cluster', 'taken.k8s.local', '--network-cidr', '127.221.0.0/16'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--network-cidr: "127\.221\.0\.0\/16" is taken on this machine: network theirs of the local cloud in \S+ \(pid \d+\) uses 127\.221\.0\.0\/16/);
    expect(r.stderr).toContain(a.dir);
    expect(r.stderr).toMatch(/use a free range such as 127\.\d+\.0\.0\/16, or leave --network-cidr out to get one/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await hoist(['get', 'clusters'], { env })).stdout).not.toContain('taken.k8s.local');
  });

  it('gives new clusters of different clouds and stores different free ranges by default', async () => {
    const spec = async (cloud: TestCloud, store: string, name: string) => {
      const env = envOf(cloud, store);
      const created = await hoist(['create', 'cluster', name], { env });
      expect(created.code, created.stderr).toBe(0);
      return /networkCIDR: (\S+)/.exec((await hoist(['get', 'cluster', name, '-o', 'yaml'], { env })).stdout)?.[1];
    };
    const [first, second] = await Promise.all([spec(a, 'one', 'one.k8s.local'), spec(b, 'two', 'two.k8s.local')]);
    expect(first).toMatch(/^127\.\d+\.0\.0\/16$/);
    expect(second).toMatch(/^127\.\d+\.0\.0\/16$/);
    expect(first).not.toBe(second);
    expect([first, second]).not.toContain('127.221.0.0/16');
  });

  it('refuses a network that overlaps another running local cloud\'s, naming it', async () => {
    const refused = await b.client.create('networks', { name: 'mine', cidr: '127.221.128.0/17', tags: {} }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LocalCloudError);
    expect((refused as LocalCloudError).apiCode).toBe('AddressInUse');
    expect((refused as LocalCloudError).message).toContain(`network theirs of the local cloud in ${a.dir}`);
  });

  it('fails a load balancer whose address another process listens on at once, with a code the engine does not retry', async () => {
    const { network: net, subnets } = await network(b.client, '127.222.0.0/16');
    // The balancer gets the subnet's first free address, .2: someone else is there already.
    await listen(createServer(), '127.222.1.2', 6443);
    const started = Date.now();
    const refused = await b.client
      .create('loadBalancers', { name: 'api', networkId: net.id, subnetIds: [subnets[0]!.id], listeners: [{ port: 6443, targetPort: 6443 }], healthCheck: { port: 6443 }, tags: {} })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(refused).toBeInstanceOf(LocalCloudError);
    expect((refused as LocalCloudError).apiCode).toBe('AddressInUse');
    expect((refused as LocalCloudError).message).toMatch(/load balancer api cannot listen on 127\.222\.1\.2: .*EADDRINUSE.*another local cloud/);
    expect((await b.client.list('loadBalancers')).map((l) => l.name)).not.toContain('api');
  });

  it('a health check passes only when the instance it meant answers', async () => {
    const other = createHttpServer((_req, res) => res.writeHead(200, { 'x-hoist-instance-id': 'i-theirs' }).end('ok'));
    await listen(other, '127.223.0.9', 10248);
    const nameless = createHttpServer((_req, res) => res.writeHead(200).end('ok'));
    await listen(nameless, '127.223.0.10', 10248);
    const check = { port: 10248, path: '/healthz' };
    expect(await probe('127.223.0.9', check, 800, 'i-mine')).toBe(false);
    expect(await probe('127.223.0.9', check, 800, 'i-theirs')).toBe(true);
    expect(await probe('127.223.0.10', check, 800, 'i-mine')).toBe(false);
    const url = { name: 'kubelet', url: 'http://127.223.0.9:10248/healthz' };
    expect(await healthy(url, 'i-mine')).toBe(false);
    expect(await healthy(url, 'i-theirs')).toBe(true);
  });
});
