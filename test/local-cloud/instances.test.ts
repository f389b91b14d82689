import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, InstanceGroup, ResourceOf } from '../../cloudup/local/api-types.js';
import { LocalCloudError } from '../../cloudup/local/client.js';
import { AGENT_MARKER, processRunning } from '../../cloudup/local/files.js';
import { destroyCloud, network, removeBundleCopy, startCloud, waitFor } from './support.js';
import type { TestCloud } from './support.js';

const HEALTH_PORT = 18080;
let cloud: TestCloud;
let subnets: ResourceOf['subnets'][];
let templateId: string;

beforeAll(async () => {
  cloud = await startCloud();
  ({ subnets } = await network(cloud.client, '127.211.0.0/16', ['zone-a', 'zone-b']));
  const tmpl = await cloud.client.create('instanceTemplates', {
    name: 'nodes',
    tags: {},
    version: { machineType: 'local.small', image: 'hoist-node', userData: `healthPorts: [${HEALTH_PORT}]\n`, instanceTags: { role: 'node' } },
  });
  templateId = tmpl.id;
});
afterAll(async () => {
  const left = cloud === undefined ? [] : await destroyCloud(cloud.dir);
  await removeBundleCopy();
  expect(left).toEqual([]);
});

async function group(name: string, size: { min?: number; desired: number; max?: number }): Promise<InstanceGroup> {
  return cloud.client.create('instanceGroups', {
    name,
    tags: {},
    templateId,
    templateVersion: 'latest',
    subnetIds: subnets.map((s) => s.id),
    minSize: size.min ?? 0,
    maxSize: size.max ?? 4,
    desiredCapacity: size.desired,
    loadBalancerIds: [],
  });
}

/** The group's instances once exactly `count` are running and healthy. */
function running(groupId: string, count: number): Promise<Instance[]> {
  return waitFor(`${count} running instances in ${groupId}`, async () => {
    const live = (await cloud.client.list('instances')).filter((i) => i.groupId === groupId && i.state !== 'terminated');
    return live.length === count && live.every((i) => i.state === 'running' && i.healthy) ? live : undefined;
  });
}

async function healthz(address: string): Promise<{ status: number; body: string; id: string | null }> {
  const r = await fetch(`http://${address}:${HEALTH_PORT}/healthz`, { signal: AbortSignal.timeout(2_000) });
  return { status: r.status, body: await r.text(), id: r.headers.get('x-hoist-instance-id') };
}

describe('instance groups', () => {
  it('run each instance as a real process bound to its own loopback address, spread over zones', async () => {
    const g = await group('spread', { desired: 2 });
    const instances = await running(g.id, 2);
    expect(instances.map((i) => i.zone).sort()).toEqual(['zone-a', 'zone-b']);
    for (const i of instances) {
      expect(i).toMatchObject({ templateId, templateVersion: 1, machineType: 'local.small', tags: { role: 'node' }, agentPhase: 'running' });
      expect(i.address).toMatch(/^127\.211\.[12]\.\d+$/);
      expect(processRunning(i.pid as number, `${AGENT_MARKER} --instance ${i.id}`)).toBe(true);
      expect(await healthz(i.address)).toEqual({ status: 200, body: 'ok', id: i.id });
      expect(readFileSync(join(i.rootDir, 'user-data'), 'utf8')).toBe(`healthPorts: [${HEALTH_PORT}]\n`);
      expect(JSON.parse(readFileSync(join(i.rootDir, 'status.json'), 'utf8'))).toMatchObject({ phase: 'running', ready: true, instanceId: i.id });
    }
    expect((await cloud.client.get('instanceGroups', g.id))?.instanceIds.slice().sort()).toEqual(instances.map((i) => i.id).sort());
    await cloud.client.delete('instanceGroups', g.id);
    // Deleting a group waits for its instances' processes to exit.
    for (const i of instances) expect(processRunning(i.pid as number)).toBe(false);
    expect((await cloud.client.get('instances', instances[0]?.id ?? ''))?.state).toBe('terminated');
  });

  it('replace an instance whose process was killed', async () => {
    const g = await group('replace', { desired: 1 });
    const [victim] = await running(g.id, 1);
    process.kill(victim?.pid as number, 'SIGKILL');
    const [replacement] = await waitFor('a replacement', async () => {
      const live = await running(g.id, 1);
      return live[0]?.id !== victim?.id ? live : undefined;
    });
    expect((await cloud.client.get('instances', victim?.id ?? ''))?.state).toBe('terminated');
    expect(await healthz(replacement?.address ?? '')).toMatchObject({ status: 200, id: replacement?.id });
    await cloud.client.delete('instanceGroups', g.id);
  });

  it('terminate an instance: replaced without decrement, not replaced with it, never below minSize', async () => {
    const g = await group('terminate', { min: 1, desired: 2 });
    const [first, second] = await running(g.id, 2);
    const stopping = await cloud.client.terminateInstance(g.id, first?.id ?? '', { decrement: false });
    expect(stopping.state).toMatch(/stopping|terminated/);
    const replaced = await waitFor('a replacement', async () => {
      const live = await running(g.id, 2);
      return live.some((i) => i.id === first?.id) ? undefined : live;
    });
    expect((await cloud.client.get('instanceGroups', g.id))?.desiredCapacity).toBe(2);
    expect(processRunning(first?.pid as number)).toBe(false);

    await cloud.client.terminateInstance(g.id, second?.id ?? '', { decrement: true });
    const [left] = await running(g.id, 1);
    expect(left?.id).toBe(replaced.find((i) => i.id !== second?.id)?.id);
    expect((await cloud.client.get('instanceGroups', g.id))?.desiredCapacity).toBe(1);

    const belowMin = await cloud.client.terminateInstance(g.id, left?.id ?? '', { decrement: true }).catch((e: unknown) => e);
    expect(belowMin).toBeInstanceOf(LocalCloudError);
    expect(belowMin).toMatchObject({ apiCode: 'InvalidParameter', message: expect.stringMatching(/^decrement: .*minSize 1/) });
    const notMember = await cloud.client.terminateInstance(g.id, first?.id ?? '', { decrement: false }).catch((e: unknown) => e);
    expect(notMember).toMatchObject({ apiCode: 'InvalidParameter', message: expect.stringMatching(/^instanceId: /) });
    await cloud.client.delete('instanceGroups', g.id);
  });

  it('detach an instance: it keeps running outside the group, which launches a replacement unless decremented', async () => {
    const g = await group('detach', { desired: 2 });
    const [a, b] = await running(g.id, 2);
    const detached = await cloud.client.detachInstance(g.id, a?.id ?? '', { decrement: false });
    expect(detached).toMatchObject({ id: a?.id, groupId: '', state: 'running' });
    const withReplacement = await running(g.id, 2);
    expect(withReplacement.map((i) => i.id)).not.toContain(a?.id);
    expect(processRunning(a?.pid as number)).toBe(true);
    expect(await healthz(a?.address ?? '')).toMatchObject({ status: 200, id: a?.id });

    await cloud.client.detachInstance(g.id, b?.id ?? '', { decrement: true });
    await running(g.id, 1);
    expect((await cloud.client.get('instanceGroups', g.id))?.desiredCapacity).toBe(1);

    // Deleting the group leaves the detached instances alone; they are terminated on their own.
    await cloud.client.delete('instanceGroups', g.id);
    for (const i of [a, b]) {
      expect(processRunning(i?.pid as number)).toBe(true);
      await cloud.client.delete('instances', i?.id ?? '');
      expect(processRunning(i?.pid as number)).toBe(false);
    }
  });

  it('scale in by terminating the newest instances, and launch new ones from the latest template version', async () => {
    const g = await group('scale', { desired: 1 });
    const [oldest] = await running(g.id, 1);
    await cloud.client.createTemplateVersion(templateId, { machineType: 'local.large', image: 'hoist-node', userData: `healthPorts: [${HEALTH_PORT}]\n`, instanceTags: { role: 'node' } });
    await cloud.client.update('instanceGroups', g.id, { desiredCapacity: 3 });
    const three = await running(g.id, 3);
    expect(three.filter((i) => i.id !== oldest?.id).map((i) => [i.templateVersion, i.machineType])).toEqual([
      [2, 'local.large'],
      [2, 'local.large'],
    ]);
    await cloud.client.update('instanceGroups', g.id, { desiredCapacity: 1 });
    const [kept] = await running(g.id, 1);
    expect(kept?.id).toBe(oldest?.id);
    const tooBig = await cloud.client.update('instanceGroups', g.id, { desiredCapacity: 9 }).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ apiCode: 'InvalidParameter', message: expect.stringMatching(/^desiredCapacity: /) });
    await cloud.client.delete('instanceGroups', g.id);
    expect(existsSync(kept?.rootDir ?? '')).toBe(true);
  });
});
