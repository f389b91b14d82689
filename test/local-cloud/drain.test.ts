import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloudError } from '../../cloudup/local/client.js';
import type { TestCloud } from './support.js';
import { destroyCloud, network, removeBundleCopy, startCloud, waitFor } from './support.js';

let cloud: TestCloud;
let groupId: string;

beforeAll(async () => {
  cloud = await startCloud();
  const { subnets } = await network(cloud.client, '127.218.0.0/16', ['zone-a']);
  const tmpl = await cloud.client.create('instanceTemplates', {
    name: 'drain-tmpl',
    tags: {},
    version: { machineType: 'local.small', image: 'local', userData: 'healthPorts: []\n', instanceTags: {} },
  });
  const group = await cloud.client.create('instanceGroups', {
    name: 'drain-group', tags: {}, templateId: tmpl.id, templateVersion: 'latest', subnetIds: subnets.map((s) => s.id),
    minSize: 0, maxSize: 2, desiredCapacity: 1, loadBalancerIds: [],
  });
  groupId = group.id;
});
afterAll(async () => {
  const left = await destroyCloud(cloud.dir);
  await removeBundleCopy();
  expect(left).toEqual([]);
});

describe('draining an instance', () => {
  it('asks the agent over its channel; the agent reports drained and keeps serving', async () => {
    const instance = await waitFor('a running instance', async () => (await cloud.client.list('instances')).find((i) => i.groupId === groupId && i.state === 'running'));
    const asked = await cloud.client.drainInstance(instance.id);
    expect(asked.drainRequestedAt).toBeDefined();
    const drained = await waitFor('the drained phase', async () => {
      const i = await cloud.client.get('instances', instance.id);
      return i?.agentPhase === 'drained' ? i : undefined;
    });
    expect(drained.state).toBe('running');
    expect(drained.healthy).toBe(true);
  });

  it('refuses to drain an instance that does not run', async () => {
    const missing = cloud.client.drainInstance('i-0000000000000000');
    await expect(missing).rejects.toBeInstanceOf(LocalCloudError);
    await expect(missing).rejects.toMatchObject({ apiCode: 'NotFound' });
  });
});
