import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, LoadBalancer, ResourceOf } from '../../cloudup/local/api-types.js';
import { destroyCloud, network, removeBundleCopy, startCloud, waitFor } from './support.js';
import type { TestCloud } from './support.js';

const APP_PORT = 18081;
const LB_PORT = 18443;
let cloud: TestCloud;
let net: ResourceOf['networks'];
let subnets: ResourceOf['subnets'][];
let templateId: string;
const stopped = new Set<number>();

beforeAll(async () => {
  cloud = await startCloud();
  ({ network: net, subnets } = await network(cloud.client, '127.212.0.0/16', ['a', 'b']));
  templateId = (
    await cloud.client.create('instanceTemplates', {
      name: 'web',
      tags: {},
      version: { machineType: 'local.small', image: 'hoist-node', userData: `healthPorts: [${APP_PORT}]\n`, instanceTags: {} },
    })
  ).id;
});
afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  const left = cloud === undefined ? [] : await destroyCloud(cloud.dir);
  await removeBundleCopy();
  expect(left).toEqual([]);
});

async function balancer(name: string, port: number, path?: string): Promise<LoadBalancer> {
  return cloud.client.create('loadBalancers', {
    name,
    tags: {},
    networkId: net.id,
    subnetIds: subnets.map((s) => s.id),
    listeners: [{ port, targetPort: APP_PORT }],
    healthCheck: path === undefined ? { port: APP_PORT } : { port: APP_PORT, path },
  });
}

/** Which instance answered each of `n` requests sent through the balancer. */
async function spread(lb: LoadBalancer, port: number, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://${lb.address}:${port}/healthz`, { signal: AbortSignal.timeout(3_000), headers: { connection: 'close' } });
    expect(await r.text()).toBe('ok');
    ids.push(r.headers.get('x-hoist-instance-id') ?? '?');
  }
  return ids;
}

function healthy(lbId: string, ids: readonly string[]): Promise<LoadBalancer> {
  const want = [...ids].sort().join(',');
  return waitFor(`healthy targets ${want}`, async () => {
    const lb = await cloud.client.get('loadBalancers', lbId);
    return lb !== undefined && lb.healthyTargets.join(',') === want ? lb : undefined;
  });
}

/** What a client sees when it connects: the bytes it gets before the balancer closes. */
function connectAndRead(address: string, port: number): Promise<{ error?: string; data: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, data }));
    socket.on('close', () => resolve({ data }));
    socket.setTimeout(3_000, () => socket.destroy(new Error('timeout')));
  });
}

describe('load balancers', () => {
  it('proxy TCP to healthy targets only, round robin, and follow their health', async () => {
    const lb = await balancer('web', LB_PORT, '/healthz');
    expect(lb.address).toBe('127.212.1.2');
    const g = await cloud.client.create('instanceGroups', { name: 'web', tags: {}, templateId, templateVersion: 'latest', subnetIds: subnets.map((s) => s.id), minSize: 0, maxSize: 2, desiredCapacity: 2, loadBalancerIds: [lb.id] });
    const instances = await waitFor('2 running instances', async () => {
      const live = (await cloud.client.list('instances')).filter((i) => i.groupId === g.id && i.state === 'running');
      return live.length === 2 ? live : undefined;
    });
    await healthy(lb.id, instances.map((i) => i.id));
    expect(new Set(await spread(lb, LB_PORT, 6))).toEqual(new Set(instances.map((i) => i.id)));

    // A stopped process still completes TCP handshakes (the kernel does), but answers no HTTP:
    // the HTTP health check takes it out, and traffic goes to the other target only.
    const [sick, well] = instances as [Instance, Instance];
    process.kill(sick.pid as number, 'SIGSTOP');
    stopped.add(sick.pid as number);
    await healthy(lb.id, [well.id]);
    expect(new Set(await spread(lb, LB_PORT, 4))).toEqual(new Set([well.id]));
    process.kill(sick.pid as number, 'SIGCONT');
    stopped.delete(sick.pid as number);
    await healthy(lb.id, [sick.id, well.id]);
    expect(new Set(await spread(lb, LB_PORT, 4))).toEqual(new Set([sick.id, well.id]));

    // Terminating a target takes it out of rotation at once, before any health check.
    await cloud.client.terminateInstance(g.id, well.id, { decrement: true });
    expect(new Set(await spread(lb, LB_PORT, 3))).toEqual(new Set([sick.id]));
    await cloud.client.delete('instanceGroups', g.id);
  });

  it('close connections when no target is healthy, and stop listening when deleted', async () => {
    const lb = await balancer('empty', LB_PORT + 1);
    expect(await connectAndRead(lb.address, LB_PORT + 1)).toEqual({ data: '' });
    await cloud.client.delete('loadBalancers', lb.id);
    expect((await connectAndRead(lb.address, LB_PORT + 1)).error).toBe('ECONNREFUSED');
  });

  it('change listeners in place', async () => {
    const lb = await balancer('moving', LB_PORT + 2);
    const moved = await cloud.client.update('loadBalancers', lb.id, { listeners: [{ port: LB_PORT + 3, targetPort: APP_PORT }] });
    expect(moved.listeners).toEqual([{ port: LB_PORT + 3, targetPort: APP_PORT }]);
    expect((await connectAndRead(lb.address, LB_PORT + 2)).error).toBe('ECONNREFUSED');
    expect(await connectAndRead(lb.address, LB_PORT + 3)).toEqual({ data: '' });
    await cloud.client.delete('loadBalancers', lb.id);
  });
});
