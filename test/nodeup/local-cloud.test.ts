/**
 * nodeup on the local cloud, through the real executable: `update cluster --yes` brings up
 * machines that configure themselves and reach Ready in `get instances`; a broken asset shows
 * up there as the failing task with both checksums. The control plane serves the API's health
 * on its port 3990.
 */

import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadBalancer } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import { API_HEALTH_CHECK_PORT } from '../../nodeup/healthcheck/port.js';
import type { InstanceRow } from '../../src/cli/get-instances.js';
import { hoistProcess } from '../support/cli.js';
import { waitFor } from '../local-cloud/support.js';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';

const NAME = 'nodes.k8s.local';
let world: LocalWorld;
const run = (...args: string[]) => hoistProcess(args, { env: world.env });

beforeAll(async () => {
  world = await localWorld();
  const created = await run('create', 'cluster', NAME, '--network-cidr', '127.110.0.0/16');
  expect(created.code, created.stderr).toBe(0);
});
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

async function instances(): Promise<InstanceRow[]> {
  const r = await run('get', 'instances', '--name', NAME, '-o', 'json');
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as InstanceRow[]).filter((i) => i.state !== 'terminated');
}

describe('nodeup on the local cloud', () => {
  it('update cluster --yes brings up machines that reach Ready with the current config, behind a healthy API load balancer', async () => {
    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await waitFor('3 Ready instances', async () => {
      const list = await instances();
      return list.length === 3 && list.every((i) => i.phase === 'Ready' && i.state === 'running' && i.config === 'current') ? list : undefined;
    }, 60_000);
    expect(ready.map((i) => i.role).sort()).toEqual(['control-plane', 'node', 'node']);
    const table = await run('get', 'instances', '--name', NAME);
    expect(table.stdout).toMatch(/^NAME\(ID\)\s+GROUP\s+ROLE\s+STATE\s+ADDRESS\s+PHASE\s+NEEDUPDATE\s+CONFIG\s+LAST-ERROR/);
    expect(table.stdout).toMatch(/control-plane-local-a\s+control-plane\s+running\s+127\.110\.\S+\s+Ready\s+no\s+current [0-9a-f]{12}/);

    const lb = (await world.everything()).find((r) => r.type === 'loadBalancers')!.resource as LoadBalancer;
    await waitFor('the API stand-in through the load balancer', async () => (await fetch(`http://${lb.address}:6443/healthz`)).ok, 30_000);
    // kube-apiserver-healthcheck.service: the API stand-in's health on the machine's port 3990, nothing else.
    const plane = ready.find((i) => i.role === 'control-plane')!;
    const health = `http://${plane.address}:${API_HEALTH_CHECK_PORT}`;
    const readyz = await waitFor('the API health port', async () => {
      const res = await fetch(`${health}/readyz`).catch(() => undefined);
      return res?.status === 200 ? res.text() : undefined;
    }, 30_000);
    expect(readyz).toBe('ok');
    expect((await fetch(`${health}/metrics`)).status).toBe(404);
    const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });

  it('a corrupted asset makes a new machine fail its Archive task, and get instances says so with both checksums', async () => {
    const nodeYaml = await readFile(join(world.stateDir, NAME, 'igconfig', 'nodes-local-a', 'nodeup.yaml'), 'utf8');
    const pinned = /url: (file:\S+kubernetes-node-linux-amd64\.tar\.gz)\n\s+sha256: ([0-9a-f]{64})/.exec(nodeYaml);
    expect(pinned).not.toBeNull();
    const archive = new URL(pinned![1]!).pathname;
    expect(archive.startsWith(join(world.cloudDir, 'assets'))).toBe(true);
    await appendFile(archive, 'not what was planned');

    const victim = (await instances()).find((i) => i.role === 'node')!;
    const client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
    const group = (await client.list('instanceGroups')).find((g) => g.instanceIds.includes(victim.id))!;
    await client.terminateInstance(group.id, victim.id, { decrement: false });

    const failed = await waitFor('a replacement that fails its Archive task', async () => (await instances()).find((i) => i.id !== victim.id && i.phase === 'Failed'), 60_000);
    expect(failed.lastError?.task).toBe('Archive/kubernetes-node');
    expect(failed.lastError?.message).toMatch(new RegExp(`sha256 mismatch for file:\\S+: expected ${pinned![2]}, got [0-9a-f]{64}`));
    expect(failed.state).toBe('pending');
    const table = await run('get', 'instances', '--name', NAME);
    expect(table.stdout).toContain(`Archive/kubernetes-node: sha256 mismatch for ${pinned![1]}: expected ${pinned![2]}, got `);
    // The cloud shows it on the instance as well: the agent reported the failure.
    const instance = await client.get('instances', failed.id);
    expect(instance?.agentPhase).toBe('failed');
    expect(await readdir(world.cloudDir)).toContain('assets');
  });
});
