/**
 * Crash safety: `update cluster --yes` killed with SIGKILL at several points of its apply; the
 * next run takes over the dead holder's lock and converges, with no duplicate and nothing leaked.
 */

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../cloudup/local/api-types.js';
import { HOIST_BIN, hoistProcess } from '../support/cli.js';
import { processesOf, waitFor } from '../local-cloud/support.js';
import type { LocalWorld } from './local-support.js';
import { localWorld } from './local-support.js';

const NAME = 'crash.k8s.local';
let world: LocalWorld;
const run = (...args: string[]) => hoistProcess(args, { env: world.env });

beforeAll(async () => {
  world = await localWorld();
  expect((await run('create', 'cluster', NAME, '--network-cidr', '127.102.0.0/16')).code).toBe(0);
});
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

/** Starts an apply and SIGKILLs it once `steps` steps have finished (0: as soon as it plans). */
function applyAndKill(steps: number): Promise<{ doneBeforeKill: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOIST_BIN, 'update', 'cluster', NAME, '--yes', '--parallelism', '1'], { env: { ...process.env, ...world.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let done = 0;
    let killed = false;
    const kill = () => {
      if (!killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      if (steps === 0 && d.toString().includes('Will create')) kill();
    });
    child.stderr.on('data', (d: Buffer) => {
      done += (d.toString().match(/^done /gm) ?? []).length;
      if (steps > 0 && done >= steps) kill();
    });
    child.on('error', reject);
    child.on('close', () => (killed ? resolve({ doneBeforeKill: done }) : reject(new Error(`the apply finished before ${steps} steps could be interrupted`))));
  });
}

const EXPECTED = { networks: 1, subnets: 1, firewallRules: 5, instanceTemplates: 2, instanceGroups: 2, loadBalancers: 1, dnsRecords: 1, volumes: 2 };

async function clusterResources() {
  return (await world.everything()).filter((r) => JSON.stringify(r.resource.tags).includes(NAME) && !(r.type === 'instances' && (r.resource as Instance).state === 'terminated'));
}

describe('killing update cluster --yes', () => {
  it.each([0, 1, 3, 6, 9, 12, 14])('after %i finished steps: the next run converges with no duplicates', async (steps) => {
    const { doneBeforeKill } = await applyAndKill(steps);
    expect(doneBeforeKill).toBeGreaterThanOrEqual(steps);
    const partial = await clusterResources();
    // Killed before its last step finished, the apply left the cloud part-way.
    if (steps < 14) expect(partial.filter((r) => r.type !== 'instances').length).toBeLessThan(15);

    const rerun = await run('update', 'cluster', NAME, '--yes');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/took over the lock|lock .* (expired|dead|gone)|no process/i);
    const check = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(check.code, check.stdout).toBe(0);

    const all = await clusterResources();
    const count = (type: string) => all.filter((r) => r.type === type).length;
    expect(Object.fromEntries(Object.keys(EXPECTED).map((t) => [t, count(t)]))).toEqual(EXPECTED);
    for (const type of Object.keys(EXPECTED)) {
      const names = all.filter((r) => r.type === type).map((r) => r.resource.name);
      expect(new Set(names).size).toBe(names.length);
    }
    await waitFor('3 instances, each with its agent process', async () => {
      const instances = (await clusterResources()).filter((r) => r.type === 'instances');
      const agents = processesOf(world.cloudDir).filter((p) => p.args.includes('local-cloud agent'));
      return instances.length === 3 && agents.length === 3;
    });

    // Start the next point from an empty cloud.
    const deleted = await run('delete', 'cluster', NAME, '--yes', '--keep-state');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await clusterResources()).toEqual([]);
  });
});
