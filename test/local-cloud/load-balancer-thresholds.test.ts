/**
 * The load balancer's health thresholds, probe by probe: the controller runs against a real
 * state file and real HTTP targets on loopback, and the test drives each round of probes
 * itself (checkAll), so nothing waits on the clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, InstanceGroup, LoadBalancer } from '../../cloudup/local/api-types.js';
import { LoadBalancerController } from '../../cloudup/local/daemon/load-balancers.js';
import { CloudState } from '../../cloudup/local/daemon/state.js';
import { recorder } from '../../src/output/events.js';

const HEALTH_PORT = 18091;
const LB_PORT = 18491;
const LB_ADDRESS = '127.213.0.2';
const created = '2026-01-01T00:00:00.000Z';

/** A target that answers its health check and traffic, and can fail on demand. */
class Target {
  failing = false;
  server: Server | undefined;
  constructor(
    readonly id: string,
    readonly address: string,
  ) {}
  async start(): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(this.failing ? 503 : 200, { 'x-hoist-instance-id': this.id, connection: 'close' });
      res.end(this.id);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(HEALTH_PORT, this.address, () => resolve());
    });
    this.server = server;
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hoist-lb-thresholds-'));
const state = CloudState.load(join(dir, 'state.json'));
const { sink, events } = recorder();
const lbs = new LoadBalancerController({ state, events: sink, probeTimeoutMs: 500 });
const a = new Target('i-a', '127.213.0.11');
const b = new Target('i-b', '127.213.0.12');
const lb: LoadBalancer = {
  id: 'lb-1',
  name: 'web',
  tags: {},
  createdAt: created,
  networkId: 'net-1',
  subnetIds: ['subnet-1'],
  listeners: [{ port: LB_PORT, targetPort: HEALTH_PORT }],
  address: LB_ADDRESS,
  healthCheck: { port: HEALTH_PORT, path: '/healthz' },
  healthyTargets: [],
};

function instance(t: Target): Instance {
  return { id: t.id, name: t.id, tags: {}, createdAt: created, groupId: 'g-1', templateId: 't-1', templateVersion: 1, subnetId: 'subnet-1', zone: 'a', machineType: 'local.small', address: t.address, rootDir: dir, state: 'running', healthy: true, launchedAt: created };
}

async function healthyAfterRound(): Promise<readonly string[]> {
  await lbs.checkAll();
  return state.get('loadBalancers', lb.id)?.healthyTargets ?? [];
}

/** Who answers a request sent through the balancer, or the error a client sees. */
function through(): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: LB_ADDRESS, port: LB_PORT });
    let data = '';
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    socket.on('close', () => resolve(data === '' ? 'closed' : (/x-hoist-instance-id: (\S+)/i.exec(data)?.[1] ?? data)));
    socket.setTimeout(3_000, () => socket.destroy(new Error('timeout')));
  });
}

beforeAll(async () => {
  await a.start();
  await b.start();
  const group: InstanceGroup = { id: 'g-1', name: 'web', tags: {}, createdAt: created, templateId: 't-1', templateVersion: 1, subnetIds: ['subnet-1'], minSize: 0, maxSize: 2, desiredCapacity: 2, loadBalancerIds: [lb.id], instanceIds: [a.id, b.id] };
  state.put('instanceGroups', group);
  state.putAll('instances', [instance(a), instance(b)]);
  state.put('loadBalancers', lb);
  await lbs.open(lb);
});
afterAll(async () => {
  await lbs.stop();
  await lbs.closeAll();
  await a.stop();
  await b.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('load balancer health thresholds', () => {
  it('a new target is healthy from its first passing probe', async () => {
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    expect(await through()).toMatch(/^i-[ab]$/);
  });

  it('a target that fails one probe and keeps serving stays in rotation', async () => {
    a.failing = true;
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    a.failing = false;
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    const seen = new Set([await through(), await through(), await through(), await through()]);
    expect(seen).toEqual(new Set(['i-a', 'i-b']));
    // The passing probe started the count over: two more failures are not three in a row.
    a.failing = true;
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    a.failing = false;
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
  });

  it('a target that goes away leaves after 3 failed probes and comes back after 2 passes', async () => {
    await b.stop();
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    expect(await healthyAfterRound()).toEqual(['i-a']);
    expect(events.some((e) => e.code === 'lb.targets' && JSON.stringify(e.data).includes('"healthy":["i-a"]'))).toBe(true);
    expect(new Set([await through(), await through(), await through()])).toEqual(new Set(['i-a']));

    await b.start();
    expect(await healthyAfterRound()).toEqual(['i-a']);
    expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
  });

  it('with no healthy target a connection is closed', async () => {
    a.failing = true;
    b.failing = true;
    for (let i = 0; i < 2; i++) expect(await healthyAfterRound()).toEqual(['i-a', 'i-b']);
    expect(await healthyAfterRound()).toEqual([]);
    expect(await through()).toBe('closed');
  });
});
