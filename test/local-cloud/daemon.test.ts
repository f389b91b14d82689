import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalCloudClient } from '../../cloudup/local/client.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import { cloudPaths, DAEMON_MARKER, processRunning, readDaemonInfo, waitForExit } from '../../cloudup/local/files.js';
import { recorder } from '../../src/output/events.js';
import { hoist, hoistProcess } from '../support/cli.js';
import { cloudDir, destroyCloud, network, processesOf, removeBundleCopy, waitFor } from './support.js';

const APP_PORT = 18082;
const LB_PORT = 18444;
const dirs: string[] = [];

afterEach(async () => {
  const left = [];
  for (const dir of dirs.splice(0)) left.push(...(await destroyCloud(dir)));
  await removeBundleCopy();
  expect(left).toEqual([]);
});

async function fresh(): Promise<{ dir: string; env: Record<string, string> }> {
  const made = await cloudDir();
  dirs.push(made.dir);
  return made;
}

const connect = (env: Record<string, string>, events = recorder().sink): Promise<LocalCloudClient> => connectLocalCloud({ env: { ...process.env, ...env }, events });

async function lbAnswer(address: string): Promise<string | null> {
  const r = await fetch(`http://${address}:${LB_PORT}/healthz`, { signal: AbortSignal.timeout(2_000), headers: { connection: 'close' } });
  return r.headers.get('x-hoist-instance-id');
}

/** A group of one instance behind a load balancer, once traffic flows through it. */
async function serving(client: LocalCloudClient): Promise<{ instanceId: string; address: string; lbAddress: string }> {
  const { network: net, subnets } = await network(client, '127.213.0.0/16');
  const subnetIds = subnets.map((s) => s.id);
  const tmpl = await client.create('instanceTemplates', { name: 'app', tags: {}, version: { machineType: 'm', image: 'i', userData: `healthPorts: [${APP_PORT}]`, instanceTags: {} } });
  const lb = await client.create('loadBalancers', { name: 'app', tags: {}, networkId: net.id, subnetIds, listeners: [{ port: LB_PORT, targetPort: APP_PORT }], healthCheck: { port: APP_PORT } });
  await client.create('instanceGroups', { name: 'app', tags: {}, templateId: tmpl.id, templateVersion: 1, subnetIds, minSize: 1, maxSize: 1, desiredCapacity: 1, loadBalancerIds: [lb.id] });
  const instanceId = await waitFor('traffic through the balancer', () => lbAnswer(lb.address).catch(() => undefined));
  const instance = await client.get('instances', instanceId ?? '');
  return { instanceId: instanceId ?? '', address: instance?.address ?? '', lbAddress: lb.address };
}

describe('the local cloud daemon', () => {
  it('auto-starts once, reports status in every format, and stops leaving no process', async () => {
    const { dir, env } = await fresh();
    const notRunning = await hoist(['local-cloud', 'status'], { env });
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toContain(`the local cloud is not running (state folder ${dir})`);

    const events = recorder();
    const client = await connect(env, events.sink);
    const info = await readDaemonInfo(dir);
    expect(info).toMatchObject({ pid: expect.any(Number), endpoint: client.endpoint, version: expect.any(String) });
    expect(events.events).toContainEqual(expect.objectContaining({ level: 'info', message: `started the local cloud daemon (pid ${info?.pid}) on ${client.endpoint}` }));
    await client.create('networks', { name: 'n', cidr: '127.214.0.0/16', tags: {} });

    const json = await hoist(['local-cloud', 'status', '-o', 'json'], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ pid: info?.pid, endpoint: client.endpoint, dir, counts: { networks: 1, instances: 0 }, uptimeSeconds: expect.any(Number) });
    expect((await hoist(['local-cloud', 'status', '-o', 'yaml'], { env })).stdout).toContain(`endpoint: ${client.endpoint}`);
    const table = await hoist(['local-cloud', 'status'], { env });
    expect(table.stdout).toMatch(/^ENDPOINT\s+PID\s+UPTIME\s+VERSION\s+BOOT-TIME\s+DIR\n/);
    expect(table.stdout).toMatch(/\nnetworks\s+1\n/);
    expect((await hoist(['local-cloud', 'status', '-o', 'xml'], { env })).code).toBe(1);

    const again = await hoist(['local-cloud', 'start'], { env });
    expect(again.stdout).toContain(`local cloud running at ${client.endpoint} (pid ${info?.pid}`);
    expect(again.stderr).not.toContain('started');

    const stop = await hoistProcess(['local-cloud', 'stop'], { env });
    expect(stop).toMatchObject({ code: 0, stdout: `stopped the local cloud daemon (pid ${info?.pid})\n` });
    expect(processesOf(dir)).toEqual([]);
    expect(await readDaemonInfo(dir)).toBeUndefined();
    expect((await hoist(['local-cloud', 'stop'], { env })).stdout).toContain('not running');
  });

  it('starts one daemon when several processes connect at once', async () => {
    const { dir, env } = await fresh();
    const clients = await Promise.all([connect(env), connect(env), connect(env)]);
    expect(new Set(clients.map((c) => c.endpoint)).size).toBe(1);
    // The daemons that lost the race for the lock exit (a slow one may only now be reaching it).
    const daemons = await waitFor('one daemon', () => {
      const found = processesOf(dir).filter((p) => p.args.includes(DAEMON_MARKER));
      return found.length === 1 ? found : undefined;
    });
    expect(daemons[0]?.pid).toBe((await readDaemonInfo(dir))?.pid);
    expect(JSON.parse(readFileSync(cloudPaths(dir).daemonLock, 'utf8'))).toMatchObject({ pid: daemons[0]?.pid });
  });

  it('restarts with the same instances and load balancers after a stop', async () => {
    const { dir, env } = await fresh();
    const client = await connect(env);
    const before = await serving(client);
    expect((await hoist(['local-cloud', 'stop'], { env })).code).toBe(0);
    expect(processesOf(dir)).toEqual([]);
    const state = JSON.parse(readFileSync(cloudPaths(dir).state, 'utf8')) as { resources: { instances: { id: string; state: string }[] } };
    expect(state.resources.instances).toEqual([expect.objectContaining({ id: before.instanceId, state: 'running' })]);

    const restarted = await connect(env);
    const answered = await waitFor('traffic through the restored balancer', () => lbAnswer(before.lbAddress).catch(() => undefined));
    expect(answered).toBe(before.instanceId);
    const instance = await restarted.get('instances', before.instanceId);
    expect(instance).toMatchObject({ state: 'running', address: before.address });
  });

  it('leaves no instance behind when killed, and picks up where it was', async () => {
    const { dir, env } = await fresh();
    const client = await connect(env);
    const before = await serving(client);
    const pid = (await readDaemonInfo(dir))?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    expect(await waitForExit(pid, 5_000)).toBe(true);
    // The agents see their IPC channel close and exit by themselves.
    await waitFor('the orphaned agents to exit', () => processesOf(dir).length === 0, 5_000);

    const restarted = await connect(env);
    expect(processRunning((await readDaemonInfo(dir))?.pid ?? 0, DAEMON_MARKER)).toBe(true);
    expect(await waitFor('traffic again', () => lbAnswer(before.lbAddress).catch(() => undefined))).toBe(before.instanceId);
    expect((await restarted.get('instances', before.instanceId))?.address).toBe(before.address);
  });
});
