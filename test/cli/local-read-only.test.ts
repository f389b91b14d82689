/**
 * Commands that change nothing never start the local cloud: with no daemon running they say
 * so and exit 1, and no daemon is left behind.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudPaths } from '../../cloudup/local/files.js';
import { hoist } from '../support/cli.js';
import { cloudDir, destroyCloud, processesOf, removeBundleCopy } from '../local-cloud/support.js';

const NAME = 'quiet.k8s.local';
let dir: string;
let stateDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  const cloud = await cloudDir();
  dir = cloud.dir;
  stateDir = await mkdtemp(join(tmpdir(), 'hoist-state-'));
  env = { ...cloud.env, HOIST_STATE_STORE: `file://${stateDir}`, HOIST_CLUSTER_NAME: '' };
  const created = await hoist(['create', 'cluster', NAME], { env });
  expect(created.code, created.stderr).toBe(0);
});
afterAll(async () => {
  // Stops by pid whatever a command may have started, then checks nothing is left.
  expect(await destroyCloud(dir)).toEqual([]);
  await rm(stateDir, { recursive: true, force: true });
  await removeBundleCopy();
});

describe('read-only commands on a local cloud that is not running', () => {
  it.each([
    ['rolling-update cluster', ['rolling-update', 'cluster', NAME]],
    ['get instances', ['get', 'instances', '--name', NAME]],
    ['validate cluster', ['validate', 'cluster', NAME]],
    ['update cluster (a preview)', ['update', 'cluster', NAME]],
    ['delete cluster (a preview)', ['delete', 'cluster', NAME]],
  ])('%s says the cloud is not running and starts no daemon', async (_what, args) => {
    const r = await hoist(args, { env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(`the local cloud is not running (state folder ${dir})`);
    expect(r.stderr).toContain('hoist local-cloud start');
    expect(existsSync(cloudPaths(dir).daemonInfo)).toBe(false);
    expect(processesOf(dir)).toEqual([]);
  });
});
