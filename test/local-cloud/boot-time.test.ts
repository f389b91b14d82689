/** A local cloud whose instances take time to boot, as a cloud's VMs do. */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceOf } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import type { LocalCloudClient } from '../../cloudup/local/client.js';
import { cloudPaths } from '../../cloudup/local/files.js';
import { ValidationError } from '../../src/errors.js';
import { hoist } from '../support/cli.js';
import { cloudDir, destroyCloud, network, removeBundleCopy, waitFor } from './support.js';

// Long enough that a loaded machine still terminates the booting instance before it starts.
const BOOT_MS = 2_500;
let dir: string;
let env: Record<string, string>;
let client: LocalCloudClient;
let subnets: ResourceOf['subnets'][];
let templateId: string;

beforeAll(async () => {
  ({ dir, env } = await cloudDir());
  client = await connectLocalCloud({ env: { ...process.env, ...env, HOIST_LOCAL_CLOUD_BOOT_TIME: `${BOOT_MS}ms` } });
  ({ subnets } = await network(client, '127.216.0.0/16'));
  templateId = (await client.create('instanceTemplates', { name: 'boot', tags: {}, version: { machineType: 'local.small', image: 'hoist-node', userData: '', instanceTags: {} } })).id;
});
afterAll(async () => {
  const left = dir === undefined ? [] : await destroyCloud(dir);
  await removeBundleCopy();
  expect(left).toEqual([]);
});

const group = (name: string, desired: number) =>
  client.create('instanceGroups', { name, tags: {}, templateId, templateVersion: 'latest', subnetIds: subnets.map((s) => s.id), minSize: 0, maxSize: 2, desiredCapacity: desired, loadBalancerIds: [] });

async function onlyInstance(groupId: string): Promise<ResourceOf['instances']> {
  return waitFor('the group to launch', async () => (await client.list('instances')).find((i) => i.groupId === groupId));
}

describe('boot time', () => {
  it('keeps a new instance pending, booting and without a process for the boot time, then runs it', async () => {
    const g = await group('slow', 1);
    const launched = await onlyInstance(g.id);
    expect(launched).toMatchObject({ state: 'pending', agentPhase: 'booting', healthy: false });
    expect(launched.pid).toBeUndefined();
    expect(existsSync(join(launched.rootDir, 'agent.log'))).toBe(false);
    const ready = await waitFor('the instance to run', async () => {
      const i = await client.get('instances', launched.id);
      return i?.state === 'running' && i.healthy ? i : undefined;
    });
    expect(ready.pid).toBeGreaterThan(0);
    // Its process started no sooner than the boot time after the launch.
    const started = Date.parse(ready.launchedAt) + BOOT_MS;
    expect(Date.now()).toBeGreaterThanOrEqual(started);
  });

  it('terminates an instance that is still booting without ever starting its process', async () => {
    const g = await group('cut-short', 1);
    const launched = await onlyInstance(g.id);
    expect(launched.agentPhase).toBe('booting');
    await client.terminateInstance(g.id, launched.id, { decrement: true });
    const gone = await client.get('instances', launched.id);
    expect(gone?.state).toBe('terminated');
    // The daemon starts the processes of booting instances in launch order: once an instance
    // launched after this one has its process, this one's boot time is over too.
    const later = await group('launched-after', 1);
    const next = await onlyInstance(later.id);
    await waitFor('the instance launched after it to start its process', async () => (await client.get('instances', next.id))?.pid);
    expect(existsSync(join(next.rootDir, 'agent.log'))).toBe(true);
    expect(existsSync(join(launched.rootDir, 'agent.log'))).toBe(false);
    expect((await client.get('instances', launched.id))?.pid).toBeUndefined();
    expect((await client.list('instances')).filter((i) => i.groupId === g.id && i.state !== 'terminated')).toEqual([]);
  });

  it('is shown by status, and start warns when the running daemon has another', async () => {
    expect((await client.status()).bootTimeMs).toBe(BOOT_MS);
    const shown = await hoist(['local-cloud', 'status', '-o', 'json'], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ bootTimeMs: BOOT_MS });
    const start = await hoist(['local-cloud', 'start', '--boot-time', '3s'], { env });
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('instances boot in 2500 ms');
    expect(start.stderr).toContain('already runs with instances booting in 2500 ms, not 3 s');
  });

  it('refuses a boot time that is not a duration before starting any daemon', async () => {
    const other = await cloudDir();
    try {
      const refused = connectLocalCloud({ env: { ...process.env, ...other.env, HOIST_LOCAL_CLOUD_BOOT_TIME: 'soon' } });
      await expect(refused).rejects.toBeInstanceOf(ValidationError);
      await expect(refused).rejects.toThrow(/HOIST_LOCAL_CLOUD_BOOT_TIME.*"soon".*is not a duration/s);
      expect(existsSync(cloudPaths(other.dir).daemonInfo)).toBe(false);
      const cli = await hoist(['local-cloud', 'start', '--boot-time', 'soon'], { env: other.env });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('--boot-time');
      expect(cli.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await destroyCloud(other.dir);
    }
  });
});
